// Small building blocks for "once per certificate per cache lifetime": a bounded TTL map and an
// in-flight coalescer so that concurrent checks of one certificate share one network request.

export interface Expiring<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class TtlCache<V> {
  private readonly map = new Map<string, Expiring<V>>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  /** The live value, or undefined when absent or expired. */
  get(key: string): V | undefined {
    const e = this.map.get(key);
    return e && e.expiresAt > this.now() ? e.value : undefined;
  }

  /** The entry even when expired (staleGrace reads answers past their lifetime). */
  peek(key: string): Expiring<V> | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V, expiresAt: number): void {
    // Re-insert so Map order approximates least-recently-written; evict the oldest at the limit.
    this.map.delete(key);
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}

export class Coalescer<V> {
  private readonly inflight = new Map<string, Promise<V>>();

  run(key: string, fn: () => Promise<V>): Promise<V> {
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  get pending(): number {
    return this.inflight.size;
  }
}
