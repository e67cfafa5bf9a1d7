// nginx's ssl_verify_client semantics, applied to the verdict OpenSSL reached in the handshake.
import type { ClientAuthMode } from '../config/types.js';
import type { ClientIdentity } from '../identity/types.js';
import { GatewayError } from '../errors.js';
import { classifyVerifyFailure } from '../identity/client-identity.js';

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

/**
 * The listener-level verdict: undefined when the connection may go on to routing, otherwise the
 * error every request on it gets. Route-level `clientCert: required` is checked later.
 */
export function listenerVerdict(mode: ClientAuthMode, identity: ClientIdentity): GatewayError | undefined {
  if (mode === 'off') return undefined;
  if (identity.verify === 'NONE') {
    return mode === 'require' ? new GatewayError('CLIENT_CERT_REQUIRED', 'a client certificate is required') : undefined;
  }
  if (identity.verify === 'SUCCESS') return undefined;
  if (mode === 'optional_no_ca' && identity.verifyReason && NO_CA_TOLERATED.has(identity.verifyReason)) {
    return undefined;
  }
  return new GatewayError('CLIENT_CERT_INVALID', identity.verifyDetail ?? classifyVerifyFailure(identity.verifyReason ?? 'UNKNOWN').description);
}
