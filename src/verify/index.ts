// `certgate/verify`: lets an upstream prove that certgate wrote the client-certificate headers of
// this request, just now (RFC 9421 signature with label `certgate`). Depends on node:crypto and
// structured-headers only, never on the gateway's runtime (no pino, undici or config loader).
import type { CertHeaderFormat } from '../wire/header-codecs.js';
import { SIGNATURE_LABEL } from '../wire/signature-base.js';
import { CertgateVerifyError } from './errors.js';
import { assertCertHeadersCovered, defaultCertHeader, readForwardedClient } from './forwarded-identity.js';
import type { ForwardedClient } from './forwarded-identity.js';
import type { VerificationKeys } from './keys.js';
import { verifyMessageSignature } from './message-signature.js';
import { requestView } from './request-view.js';
import type { RequestInput } from './request-view.js';

export { CertgateVerifyError } from './errors.js';
export type { CertgateVerifyErrorCode } from './errors.js';
export { importJwks } from './keys.js';
export type { Jwk, KeyLookup, VerificationKeyInput, VerificationKeys } from './keys.js';
export { createRemoteKeySet } from './remote-key-set.js';
export type { RemoteKeySet, RemoteKeySetOptions } from './remote-key-set.js';
export type { ForwardedCertificate, ForwardedClient } from './forwarded-identity.js';
export type { HeaderInput, RequestInput } from './request-view.js';
export type { CertHeaderFormat };

export interface VerifyOptions {
  /** Verification keys by keyid (give several during a key rotation), or a RemoteKeySet. */
  readonly keys: VerificationKeys;
  /** Oldest acceptable `created`, in seconds. */
  readonly maxAge: number;
  /** Tolerated clock difference with the gateway, in seconds (default 5). */
  readonly clockSkew?: number;
  /** Default: `client-cert` for rfc9440, `x-forwarded-client-cert` for xfcc, else `x-client-cert`. */
  readonly certHeader?: string;
  /** Default `pem-urlencoded`. */
  readonly format?: CertHeaderFormat;
  /** The chain header, when the gateway is configured to send one. */
  readonly chainHeader?: string;
  /** Further headers the signature must cover (e.g. an upstream-auth header). */
  readonly requiredHeaders?: readonly string[];
  /** Signature label (default `certgate`). */
  readonly label?: string;
  /** Current time in milliseconds since the epoch (default Date.now()); for tests. */
  readonly now?: number;
}

export interface ForwardedIdentity extends ForwardedClient {
  /** keyid of the key that verified the signature. */
  readonly keyId: string;
  /** The signature's `created`, seconds since the epoch. */
  readonly created: number;
}

/**
 * Verifies certgate's signature on a forwarded request and returns the client identity it
 * carries, or throws CertgateVerifyError. Synchronous, so it fits hooks that cannot await
 * (oidc-provider's `features.mTLS.getCertificate`).
 */
export function verifyForwardedRequest(req: RequestInput, opts: VerifyOptions): ForwardedIdentity {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- public API: JavaScript callers may omit opts
  if (!opts || typeof opts.keys !== 'object' || !(opts.maxAge >= 0)) {
    throw new TypeError('verifyForwardedRequest needs keys and a maxAge in seconds');
  }
  const format = opts.format ?? 'pem-urlencoded';
  const headerOpts = {
    certHeader: (opts.certHeader ?? defaultCertHeader(format)).toLowerCase(),
    format,
    ...(opts.chainHeader === undefined ? {} : { chainHeader: opts.chainHeader.toLowerCase() }),
  };
  const view = requestView(req);

  // RFC 8705 binds a token to the certificate; without these components a signed header set
  // could be replayed onto another endpoint, host or query.
  const required = ['@method', '@authority', '@path'];
  if (view.query !== undefined && view.query !== '?') required.push('@query');
  for (const h of opts.requiredHeaders ?? []) required.push(h.toLowerCase());

  const sig = verifyMessageSignature(view, {
    label: opts.label ?? SIGNATURE_LABEL,
    keys: opts.keys,
    maxAge: opts.maxAge,
    clockSkew: opts.clockSkew ?? 5,
    now: opts.now ?? Date.now(),
    requiredComponents: required,
  });
  assertCertHeadersCovered(view, sig.covered, headerOpts);
  return { ...readForwardedClient(view, headerOpts), keyId: sig.keyId, created: sig.created };
}

/** true when `err` is a refusal from this module (as opposed to a programming error). */
export function isCertgateVerifyError(err: unknown): err is CertgateVerifyError {
  return err instanceof CertgateVerifyError;
}
