// Introspection answers cached by the token's SHA-256 (the token itself is never kept), until the
// verdict's expiresAt (min(exp, fetched + cacheMaxAge), introspection-client.ts), in a bounded
// LRU. Concurrent misses for one token share one call (single-flight), so a burst of requests
// with a new token costs the authorization server one introspection. Only admitted tokens are
// cached: a refusal or an outage is asked again next time, never remembered as a success.
import { createHash } from 'node:crypto';
import type { TokenVerifier, VerifiedToken } from './verified-token.js';

export interface IntrospectionCacheOptions {
  readonly maxEntries: number;
  /** One call to the endpoint. */
  readonly introspect: (token: string) => Promise<VerifiedToken>;
}

export class IntrospectionCache implements TokenVerifier {
  private readonly entries = new Map<string, VerifiedToken>();
  private readonly inFlight = new Map<string, Promise<VerifiedToken>>();

  constructor(private readonly options: IntrospectionCacheOptions) {}

  verify(token: string): Promise<VerifiedToken> {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      if (hit.expiresAt > Date.now()) {
        this.entries.set(key, hit);
        return Promise.resolve(hit);
      }
    }
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.options
        .introspect(token)
        .then((verdict) => {
          this.remember(key, verdict);
          return verdict;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, verdict: VerifiedToken): void {
    this.entries.set(key, verdict);
    if (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
