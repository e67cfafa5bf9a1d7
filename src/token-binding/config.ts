// `routes[].tokenBinding` as the config loader validated it (src/config/token-binding-config.ts):
// URLs parsed, durations in milliseconds, the introspection client's credentials loaded.
// src/token-binding/token-binding-guard.ts runs it.
import type { UpstreamAuth } from '../config/upstream-auth.js';
import type { Milliseconds, UpstreamTlsConfig } from '../config/types.js';

export interface JwtVerifierConfig {
  readonly issuer: string;
  readonly jwksUri: URL;
  readonly audiences: readonly string[];
  /** Asymmetric JWS algorithms only (JWT_ALGORITHMS). */
  readonly algorithms: readonly string[];
  /** Tolerance for exp and nbf. */
  readonly clockSkew: Milliseconds;
}

export interface IntrospectionConfig {
  /** RFC 7662 introspection endpoint. */
  readonly url: URL;
  /** Trust (`auth.tls.ca`) and the gateway's own client certificate (`auth.tls.cert`/`key`). */
  readonly tls?: UpstreamTlsConfig;
  /** How the gateway authenticates itself to the endpoint: basic, its client certificate, or both. */
  readonly authentication: readonly UpstreamAuth[];
  /** Checked when the response carries `iss` / `aud`; default: the jwt section's. */
  readonly issuer?: string;
  readonly audiences?: readonly string[];
  /** A cached answer lives until min(exp, fetched + cacheMaxAge). */
  readonly cacheMaxAge: Milliseconds;
  /** Cached answers at most (LRU). */
  readonly cacheSize: number;
}

export interface TokenBindingConfig {
  /** false: a request without a token passes; a token present is still checked. */
  readonly required: boolean;
  readonly jwt?: JwtVerifierConfig;
  readonly introspection?: IntrospectionConfig;
}

/** JWS algorithms a JWKS can verify. No HS* (a shared secret has no place in a public key set) and no `none`. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
