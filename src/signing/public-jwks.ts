// The gateway's verification keys as a JWKS (RFC 7517), for `certgate keys` and the admin endpoint
// `/.well-known/certgate-keys`. Upstreams load it into `certgate/verify` with importJwks().
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { SignatureConfig } from './config.js';
import { JWA_ALG } from '../wire/signature-algorithms.js';

export interface PublicJwk extends JsonWebKey {
  kid: string;
  alg: string;
  use: 'sig';
}

function publicJwk(pub: import('node:crypto').KeyObject, kid: string, alg: string): PublicJwk {
  const { kty, crv, x, y } = pub.export({ format: 'jwk' });
  const jwk: PublicJwk = { kty, crv, x, kid, alg, use: 'sig' };
  if (y !== undefined) jwk.y = y;
  return jwk;
}

/**
 * Public keys of every asymmetric signature config, deduplicated by kid. HMAC secrets are never
 * published: a shared secret in a JWKS is a forging key for anyone who can read the endpoint, so
 * hmac upstreams are given the secret out of band.
 */
export function publicJwks(signatures: readonly SignatureConfig[]): { keys: PublicJwk[] } {
  const keys: PublicJwk[] = [];
  const seen = new Set<string>();
  for (const sig of signatures) {
    if (sig.alg === 'hmac-sha256' || seen.has(sig.keyId)) continue;
    seen.add(sig.keyId);
    const pub = sig.key.type === 'private' ? createPublicKey(sig.key) : sig.key;
    // Export only the public members; a private KeyObject's JWK would carry `d`.
    const { kty, crv, x, y } = pub.export({ format: 'jwk' });
    const jwk: PublicJwk = { kty, crv, x, kid: sig.keyId, alg: JWA_ALG[sig.alg], use: 'sig' };
    if (y !== undefined) jwk.y = y;
    keys.push(jwk);
    for (const p of sig.publishKeys ?? []) {
      if (seen.has(p.keyId)) continue;
      seen.add(p.keyId);
      keys.push(publicJwk(p.key, p.keyId, JWA_ALG[p.alg]));
    }
  }
  return { keys };
}
