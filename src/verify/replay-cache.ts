// Nonces seen, until the signature that carried them would be refused anyway (issue 14): a
// captured request replayed within its validity then fails with ERR_REPLAYED. The in-memory
// cache serves one process; replicas behind one gateway share a ReplayStore instead (README:
// Redis `SET key 1 NX PXAT expiresAt`).

/** A shared record of nonces, for replicas of one upstream. */
export interface ReplayStore {
  /**
   * Records `nonce` until `expiresAt` (milliseconds since the epoch) and resolves true; resolves
   * false when it is already recorded and not yet expired. Must be atomic across replicas.
   */
  checkAndSet(nonce: string, expiresAt: number): Promise<boolean>;
}

export interface ReplayCacheOptions {
  /** Most nonces held (default 1,000,000: 30 s of 30,000 requests/s). */
  readonly maxEntries?: number;
  /** Longest an entry is held, in seconds (default 60); at least the verifier's maxAge + clockSkew. */
  readonly ttl?: number;
}

/** The in-memory ReplayStore, with a synchronous form for verifyForwardedRequest. */
export interface ReplayCache extends ReplayStore {
  /** true: recorded; false: seen before; 'full': maxEntries unexpired nonces held, not recorded. */
  record(nonce: string, expiresAt: number, now?: number): boolean | 'full';
  /** Seconds. */
  readonly ttl: number;
  readonly size: number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const DEFAULT_TTL = 60;

export function createReplayCache(opts: ReplayCacheOptions = {}): ReplayCache {
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const ttl = opts.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  if (!(ttl > 0)) throw new TypeError('ttl must be a positive number of seconds');
  const ttlMs = ttl * 1000;
  const seen = new Map<string, number>();
  // Arrival order, nearly expiry order (every entry lives about maxAge): expired entries are
  // dropped from its head, so the cost stays constant per request and memory tracks the rate.
  // A queue of its own, because walking a Map from its front after deletions rescans their holes.
  let order: string[] = [];
  let head = 0;

  const purge = (now: number): void => {
    while (head < order.length) {
      const nonce = order[head]!;
      const until = seen.get(nonce);
      if (until !== undefined && until > now) break;
      if (until !== undefined) seen.delete(nonce);
      head++;
    }
    // Drop the consumed head now and then: amortised O(1), memory bounded by the live entries.
    if (head > 1024 && head * 2 > order.length) {
      order = order.slice(head);
      head = 0;
    }
  };

  const record = (nonce: string, expiresAt: number, now = Date.now()): boolean | 'full' => {
    purge(now);
    const until = seen.get(nonce);
    if (until !== undefined && until > now) return false;
    // Forgetting a live nonce would reopen its replay window: refuse rather than evict.
    if (until === undefined && seen.size >= maxEntries) return 'full';
    // An expired nonce not yet purged keeps its queue slot: every entry has exactly one.
    seen.set(nonce, Math.min(expiresAt, now + ttlMs));
    if (until === undefined) order.push(nonce);
    return true;
  };

  return {
    record,
    // The async form never reports 'full' as success: a full cache refuses.
    checkAndSet: (nonce, expiresAt) => Promise.resolve(record(nonce, expiresAt) === true),
    ttl,
    get size() {
      return seen.size;
    },
  };
}
