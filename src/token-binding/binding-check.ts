// The binding rule of RFC 8705 section 3: a certificate-bound token passes only over a connection
// whose client certificate has the thumbprint in its `cnf["x5t#S256"]`. The connection's
// thumbprint is the one computed once per certificate by src/identity/client-certificate.ts.
import type { GatewayError } from '../errors.js';
import type { ClientIdentity } from '../identity/types.js';
import { bindingMismatch, tokenInvalid } from './token-errors.js';
import type { VerifiedToken } from './verified-token.js';

export function checkBinding(token: VerifiedToken, identity: ClientIdentity): GatewayError | undefined {
  // The route requires bound tokens: an unbound one would pass with any connection (or none).
  if (token.x5tS256 === undefined) return tokenInvalid('the access token is not bound to a client certificate');
  const presented = identity.certificate?.x5tS256;
  if (presented === undefined) return bindingMismatch('the access token is certificate-bound but the connection presented no client certificate');
  if (presented !== token.x5tS256) return bindingMismatch('the access token is bound to another client certificate');
  return undefined;
}
