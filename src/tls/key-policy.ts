// The client key policy (listeners[].clientAuth.keyPolicy): which public keys a client
// certificate may carry. OpenSSL's default security level still accepts RSA-1024 (about 80-bit
// strength, broken for signatures by NIST SP 800-131A since 2013) and any named curve; an X.509
// conformance suite counts accepting those as a false accept (issue 7, finding 7). Evaluated
// once per certificate (src/tls/peer-identity.ts caches the verdict with the description).
import type { X509Certificate } from 'node:crypto';
import type { ClientKeyPolicy } from '../config/types.js';
import { publicKeyFacts } from '../x509/public-key.js';

/**
 * Why the certificate's key breaks the policy (a sentence safe to show the client), or
 * undefined when it complies.
 */
export function keyPolicyViolation(x509: X509Certificate, policy: ClientKeyPolicy): string | undefined {
  const key = publicKeyFacts(x509);
  if (key === undefined) return 'client key cannot be read';
  switch (key.type) {
    case 'rsa':
    case 'rsa-pss':
      return bitsBelow('RSA', key.bits, policy.rsaMinBits);
    case 'dsa':
      if (policy.dsaMinBits === false) return 'client key type DSA is not allowed by the policy';
      return bitsBelow('DSA', key.bits, policy.dsaMinBits);
    case 'ec': {
      const name = key.curve;
      if (name !== undefined && policy.ecCurves.includes(name)) return undefined;
      return `client key EC curve ${name ?? '(explicit parameters)'} is not allowed by the policy (allowed: ${policy.ecCurves.join(', ') || 'none'})`;
    }
    case 'ed25519':
      return policy.ed25519 ? undefined : 'client key type Ed25519 is not allowed by the policy';
    case 'ed448':
      return policy.ed448 ? undefined : 'client key type Ed448 is not allowed by the policy';
    default:
      return `client key type ${key.type ?? 'unknown'} is not allowed by the policy`;
  }
}

function bitsBelow(kind: string, bits: number | undefined, min: number): string | undefined {
  if (bits !== undefined && bits >= min) return undefined;
  return `client key ${kind} ${bits ?? 'unknown'} bits is below the policy minimum ${min}`;
}
