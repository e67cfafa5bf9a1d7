// The EC curves an operator can name in `listeners[].clientAuth.keyPolicy.ecCurves`. Config owns
// the vocabulary (it validates the names at load); src/tls/key-policy.ts maps a certificate's key
// back through it at handshake time.

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
