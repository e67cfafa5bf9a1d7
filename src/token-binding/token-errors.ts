// The answers of the token-binding stage, RFC 6750 section 3: every 401 carries a Bearer
// challenge; a request without a token gets no error attribute (section 3.1), a refused token
// gets error="invalid_token" with a description. Descriptions are fixed sentences: they say what
// was wrong with the token, never which server or key the gateway asked.
import { GatewayError } from '../errors.js';

const REALM = 'certgate';

export function tokenRequired(): GatewayError {
  return new GatewayError('TOKEN_REQUIRED', 'this route requires a certificate-bound Bearer access token', { challenge: `Bearer realm="${REALM}"` });
}

/** `description` must be a fixed sentence without `"` or `\` (RFC 6750 section 3 error_description). */
export function tokenInvalid(description: string): GatewayError {
  return new GatewayError('TOKEN_INVALID', description, { challenge: invalidTokenChallenge(description) });
}

export function bindingMismatch(description: string): GatewayError {
  return new GatewayError('TOKEN_BINDING_MISMATCH', description, { challenge: invalidTokenChallenge(description) });
}

/** The token could not be checked (JWKS or introspection endpoint unreachable): fail closed. */
export function verificationUnavailable(): GatewayError {
  return new GatewayError('TOKEN_VERIFICATION_UNAVAILABLE', 'the access token cannot be verified right now; try again later');
}

function invalidTokenChallenge(description: string): string {
  return `Bearer error="invalid_token", error_description="${description}"`;
}

/** Why a verifier refused a token, as the client is told (a fixed sentence). */
export class TokenRejection extends Error {
  constructor(readonly description: string) {
    super(description);
    this.name = 'TokenRejection';
  }
}

/** A verifier could not reach what it needs; `detail` is for the log only. */
export class VerificationUnavailable extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    this.name = 'VerificationUnavailable';
  }
}
