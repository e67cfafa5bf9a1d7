// A JWKS fetched from the gateway's admin endpoint (`/.well-known/certgate-keys`), in the manner
// of jose's createRemoteJWKSet, but usable synchronously: keys are fetched ahead and refreshed in
// the background, so `verifyForwardedRequest` stays synchronous (oidc-provider's getCertificate
// cannot await). A keyid it does not know starts a refetch (at most once per cooldown, so a
// stream of forged keyids cannot make it hammer the gateway) and that request is refused; the
// rotation runbook publishes a key one reload before signing with it, so signed requests only
// ever carry keyids already fetched.
import { importJwks, type Jwk, type KeyLookup } from './keys.js';

export interface RemoteKeySetOptions {
  /** Background refresh period in ms (default 300000, 5 minutes). */
  readonly refreshInterval?: number;
  /** Shortest time between two fetches caused by unknown keyids, in ms (default 30000). */
  readonly cooldown?: number;
  /** Fetch timeout in ms (default 5000). */
  readonly timeout?: number;
  /** Called when a fetch fails; the keys fetched before stay in use. */
  readonly onError?: (err: Error) => void;
  /** Default: the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface RemoteKeySet extends KeyLookup {
  /** Resolves after the first successful fetch; rejects with the first fetch's error. */
  ready(): Promise<void>;
  /** Fetch now (e.g. right after a reload that published a key); resolves when the keys are in. */
  refresh(): Promise<void>;
  /** keyids currently known. */
  keyIds(): string[];
  /** When the last successful fetch completed (ms since the epoch; 0 before any). */
  readonly fetchedAt: number;
  /** Stops the background refresh. */
  close(): void;
}

export function createRemoteKeySet(url: string | URL, opts: RemoteKeySetOptions = {}): RemoteKeySet {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new TypeError('the JWKS URL must be http(s)');
  const refreshInterval = opts.refreshInterval ?? 300_000;
  const cooldown = opts.cooldown ?? 30_000;
  const timeout = opts.timeout ?? 5_000;
  const doFetch = opts.fetch ?? fetch;
  let keys: Record<string, Jwk> = {};
  let fetchedAt = 0;
  let lastAttempt = 0;
  let inFlight: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    lastAttempt = Date.now();
    const res = await doFetch(target, { signal: AbortSignal.timeout(timeout), headers: { accept: 'application/jwk-set+json, application/json' } });
    if (!res.ok) throw new Error(`JWKS fetch from ${target.href} answered ${res.status}`);
    // importJwks resolves every key, so a bad set is refused whole and the old keys stay.
    keys = importJwks((await res.json()) as { keys: Jwk[] });
    fetchedAt = Date.now();
  };
  const refresh = (): Promise<void> => (inFlight ??= load().finally(() => (inFlight = undefined)));
  const background = (): void => {
    refresh().catch((err: unknown) => opts.onError?.(err as Error));
  };

  const first = refresh();
  first.catch((err: unknown) => opts.onError?.(err as Error));
  const timer = setInterval(background, refreshInterval);
  timer.unref();

  return {
    getKey(kid) {
      if (Object.hasOwn(keys, kid)) return keys[kid];
      if (!inFlight && Date.now() - lastAttempt >= cooldown) background();
      return undefined;
    },
    ready: () => first,
    refresh,
    keyIds: () => Object.keys(keys),
    get fetchedAt() {
      return fetchedAt;
    },
    close: () => clearInterval(timer),
  };
}
