// What a verifier (jwt-verifier.ts, introspection-client.ts) says of a token it accepts: the
// thumbprint it is bound to and until when the verdict holds.

export interface VerifiedToken {
  /** `cnf["x5t#S256"]` (RFC 8705 section 3.1); undefined for a token bound to no certificate. */
  readonly x5tS256: string | undefined;
  /** ms since the epoch: past it the token must be verified again. */
  readonly expiresAt: number;
}

/** Resolves with the verdict; rejects with TokenRejection or VerificationUnavailable (token-errors.ts). */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** `cnf["x5t#S256"]` of a JWT payload or an introspection response, when it is a string. */
export function confirmationThumbprint(claims: Record<string, unknown>): string | undefined {
  const cnf = claims['cnf'];
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const x5t = (cnf as Record<string, unknown>)['x5t#S256'];
  return typeof x5t === 'string' ? x5t : undefined;
}
