// A certificate's public key as type, size and curve, with curves named the way operators write
// them in config (NIST / RFC 8422 names), not the OpenSSL names node:crypto reports.
import type { X509Certificate } from 'node:crypto';

/**
 * Curves an operator can name in `ecCurves`, by their NIST/RFC 8422 name, with the name OpenSSL
 * reports in asymmetricKeyDetails.namedCurve.
 */
export const EC_CURVE_NAMES: Readonly<Record<string, string>> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
  secp256k1: 'secp256k1',
  brainpoolP256r1: 'brainpoolP256r1',
  brainpoolP384r1: 'brainpoolP384r1',
  brainpoolP512r1: 'brainpoolP512r1',
};

const CURVE_BY_OPENSSL_NAME = new Map(Object.entries(EC_CURVE_NAMES).map(([name, openssl]) => [openssl, name]));

export interface PublicKeyFacts {
  /** node:crypto's asymmetricKeyType: 'rsa', 'rsa-pss', 'dsa', 'ec', 'ed25519', 'ed448', ... */
  readonly type: string | undefined;
  /** Modulus length of an RSA or DSA key. */
  readonly bits: number | undefined;
  /** An EC key's named curve, by its EC_CURVE_NAMES name when it has one; undefined for explicit parameters. */
  readonly curve: string | undefined;
}

/** The certificate's key, or undefined when node:crypto cannot read it. */
export function publicKeyFacts(x509: X509Certificate): PublicKeyFacts | undefined {
  try {
    const key = x509.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    const curve = details.namedCurve;
    return {
      type: key.asymmetricKeyType,
      bits: details.modulusLength,
      curve: curve === undefined ? undefined : (CURVE_BY_OPENSSL_NAME.get(curve) ?? curve),
    };
  } catch {
    return undefined;
  }
}
