// The client key policy (listeners[].clientAuth.keyPolicy): which public keys a client
// certificate may carry. OpenSSL's default security level still accepts RSA-1024 (about 80-bit
// strength, broken for signatures by NIST SP 800-131A since 2013) and any named curve; an X.509
// conformance suite counts accepting those as a false accept (issue 7, finding 7). Evaluated
// once per certificate (src/tls/peer-identity.ts caches the verdict with the description).
import type { X509Certificate } from 'node:crypto';
import type { ClientKeyPolicy } from '../config/types.js';
import { EC_CURVE_NAMES } from '../config/ec-curve-names.js';

const CURVE_BY_OPENSSL_NAME = new Map(Object.entries(EC_CURVE_NAMES).map(([name, openssl]) => [openssl, name]));

/**
 * Why the certificate's key breaks the policy (a sentence safe to show the client), or
 * undefined when it complies.
 */
export function keyPolicyViolation(x509: X509Certificate, policy: ClientKeyPolicy): string | undefined {
  let type: string | undefined;
  let details: { modulusLength?: number; namedCurve?: string };
  try {
    const key = x509.publicKey;
    type = key.asymmetricKeyType;
    details = key.asymmetricKeyDetails ?? {};
  } catch {
    return 'client key cannot be read';
  }
  switch (type) {
    case 'rsa':
    case 'rsa-pss':
      return bitsBelow('RSA', details.modulusLength, policy.rsaMinBits);
    case 'dsa':
      if (policy.dsaMinBits === false) return 'client key type DSA is not allowed by the policy';
      return bitsBelow('DSA', details.modulusLength, policy.dsaMinBits);
    case 'ec': {
      const curve = details.namedCurve;
      const name = curve === undefined ? undefined : CURVE_BY_OPENSSL_NAME.get(curve) ?? curve;
      if (name !== undefined && policy.ecCurves.includes(name)) return undefined;
      return `client key EC curve ${name ?? '(explicit parameters)'} is not allowed by the policy (allowed: ${policy.ecCurves.join(', ') || 'none'})`;
    }
    case 'ed25519':
      return policy.ed25519 ? undefined : 'client key type Ed25519 is not allowed by the policy';
    case 'ed448':
      return policy.ed448 ? undefined : 'client key type Ed448 is not allowed by the policy';
    default:
      return `client key type ${type ?? 'unknown'} is not allowed by the policy`;
  }
}

function bitsBelow(kind: string, bits: number | undefined, min: number): string | undefined {
  if (bits !== undefined && bits >= min) return undefined;
  return `client key ${kind} ${bits ?? 'unknown'} bits is below the policy minimum ${min}`;
}
