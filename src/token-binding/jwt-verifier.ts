// JWT access tokens (RFC 9068) verified with jose against the issuer's JWKS: signature with an
// allowed algorithm, iss, aud, exp (required) and nbf with the configured skew. The key set is
// fetched on first use and refetched by jose when a token names an unknown kid (cooldown-bound).
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { JwtVerifierConfig } from './config.js';
import { TokenRejection, VerificationUnavailable } from './token-errors.js';
import { confirmationThumbprint, type TokenVerifier, type VerifiedToken } from './verified-token.js';

const JWKS_TIMEOUT = 5_000;

/** JWS compact serialisation: three base64url parts (RFC 7515 section 7.1). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function looksLikeJwt(token: string): boolean {
  return JWS_COMPACT.test(token);
}

export function createJwtVerifier(config: JwtVerifierConfig, onJwksFetch: () => void): TokenVerifier {
  const keys: JWTVerifyGetKey = createRemoteJWKSet(config.jwksUri, {
    timeoutDuration: JWKS_TIMEOUT,
    [customFetch]: (url, init) => {
      onJwksFetch();
      return fetch(url, init);
    },
  });
  const options = {
    issuer: config.issuer,
    audience: [...config.audiences],
    algorithms: [...config.algorithms],
    clockTolerance: config.clockSkew / 1000,
    requiredClaims: ['exp'],
  };
  return {
    async verify(token: string): Promise<VerifiedToken> {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keys, options));
      } catch (err) {
        throw rejection(err);
      }
      return { x5tS256: confirmationThumbprint(payload), expiresAt: (payload['exp'] as number) * 1000 + config.clockSkew };
    },
  };
}

/** jose's error as what the client is told, or as an outage when the key set could not be had. */
function rejection(err: unknown): Error {
  if (!(err instanceof errors.JOSEError)) return new VerificationUnavailable('JWKS fetch failed', { cause: err });
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return new TokenRejection('the access token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (err as errors.JWTClaimValidationFailed).claim;
      if (claim === 'aud') return new TokenRejection('the access token is not meant for this audience');
      if (claim === 'iss') return new TokenRejection('the access token is from an issuer this route does not accept');
      if (claim === 'nbf') return new TokenRejection('the access token is not valid yet');
      return new TokenRejection('the access token claims are invalid');
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new TokenRejection('the access token is signed with an algorithm this route does not accept');
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new TokenRejection('the access token signature is invalid');
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return new VerificationUnavailable(`JWKS unavailable: ${err.message}`, { cause: err });
    default:
      return new TokenRejection('the access token is malformed');
  }
}
