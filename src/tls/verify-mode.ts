// nginx's ssl_verify_client semantics, applied to the verdict OpenSSL reached in the handshake.
import type { ClientAuthMode } from '../config/types.js';
import type { ClientIdentity } from '../identity/types.js';
import { GatewayError } from '../errors.js';

/**
 * Errors that `optional_no_ca` tolerates: exactly nginx's ngx_ssl_verify_error_optional(), i.e.
 * "not signed by a trusted CA". An expired or wrong-purpose certificate is still refused.
 */
const NO_CA_TOLERATED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

const REASON_TEXT: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate is not issued by a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate is not issued by a trusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate is not issued by a trusted CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate chain ends in an untrusted self-signed CA',
  CERT_CHAIN_TOO_LONG: 'certificate chain is longer than verifyDepth allows',
  INVALID_PURPOSE: 'certificate is not valid for TLS client authentication (extended key usage)',
  CERT_SIGNATURE_FAILURE: 'certificate signature is invalid',
  CERT_REVOKED: 'certificate is revoked',
  RESUMED_SESSION_UNVERIFIABLE: 'resumed TLS session could not be re-verified against the current trust anchors',
  TRUST_ANCHOR_REMOVED: 'certificate chains to a CA that is no longer trusted',
};

export function describeVerifyReason(reason: string | undefined): string {
  if (!reason) return 'certificate verification failed';
  return REASON_TEXT[reason] ?? `certificate verification failed (${reason})`;
}

/**
 * The listener-level verdict: undefined when the connection may go on to routing, otherwise the
 * error every request on it gets. Route-level `clientCert: required` is checked later.
 */
export function listenerVerdict(mode: ClientAuthMode, identity: ClientIdentity): GatewayError | undefined {
  if (mode === 'off') return undefined;
  if (identity.verify === 'NONE') {
    return mode === 'require'
      ? new GatewayError('CLIENT_CERT_REQUIRED', 'a client certificate is required')
      : undefined;
  }
  if (identity.verify === 'SUCCESS') return undefined;
  if (mode === 'optional_no_ca' && identity.verifyReason && NO_CA_TOLERATED.has(identity.verifyReason)) {
    return undefined;
  }
  return new GatewayError('CLIENT_CERT_INVALID', describeVerifyReason(identity.verifyReason));
}
