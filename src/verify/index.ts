// `certgate/verify`: lets an upstream prove that certgate wrote the client-certificate headers of
// this request, just now (RFC 9421 signature with label `certgate`), for this body (Content-Digest,
// RFC 9530) and only once (nonce and replay cache). Depends on node:crypto and structured-headers
// only, never on the gateway's runtime (no pino, undici or config loader).
import type { CertHeaderFormat } from '../wire/header-codecs.js';
import { SIGNATURE_LABEL } from '../wire/signature-base.js';
import { CertgateVerifyError } from './errors.js';
import { assertCertHeadersCovered, defaultCertHeader, readForwardedClient } from './forwarded-identity.js';
import type { ForwardedClient } from './forwarded-identity.js';
import type { VerificationKeys } from './keys.js';
import { verifyMessageSignature } from './message-signature.js';
import { requestView } from './request-view.js';
import type { RequestInput } from './request-view.js';
import { checkContentDigest, hasBody, type BodyInput } from './body-digest.js';
import type { ReplayCache, ReplayStore } from './replay-cache.js';

export { CertgateVerifyError } from './errors.js';
export type { CertgateVerifyErrorCode } from './errors.js';
export { importJwks } from './keys.js';
export type { Jwk, KeyLookup, VerificationKeyInput, VerificationKeys } from './keys.js';
export { createRemoteKeySet } from './remote-key-set.js';
export type { RemoteKeySet, RemoteKeySetOptions } from './remote-key-set.js';
export type { ForwardedCertificate, ForwardedClient } from './forwarded-identity.js';
export type { HeaderInput, RequestInput } from './request-view.js';
export type { CertHeaderFormat };
export { createReplayCache } from './replay-cache.js';
export type { ReplayCache, ReplayCacheOptions, ReplayStore } from './replay-cache.js';
export type { BodyInput } from './body-digest.js';
export type { DigestAlgorithm } from '../wire/content-digest.js';

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
  /**
   * The body as received (raw bytes, before any parsing), or a function returning its digest for
   * an algorithm: a covered Content-Digest is checked against it (ERR_DIGEST_MISMATCH).
   */
  readonly body?: BodyInput;
  /** Refuse a request with a body whose signature covers no Content-Digest (ERR_BODY_NOT_COVERED). Needs `body`. */
  readonly requireBodyCoverage?: boolean;
  /** Refuse a nonce seen before within its validity (ERR_REPLAYED): createReplayCache(). */
  readonly replay?: ReplayCache;
}

/** verifyForwardedRequestAsync also takes a shared ReplayStore (several replicas). */
export interface AsyncVerifyOptions extends Omit<VerifyOptions, 'replay'> {
  readonly replay?: ReplayStore;
}

export interface ForwardedIdentity extends ForwardedClient {
  /** keyid of the key that verified the signature. */
  readonly keyId: string;
  /** The signature's `created`, seconds since the epoch. */
  readonly created: number;
  /** The signature's nonce, when it has one. */
  readonly nonce?: string;
  /** A covered Content-Digest was checked against the body given. */
  readonly bodyVerified: boolean;
}

/**
 * Verifies certgate's signature on a forwarded request and returns the client identity it
 * carries, or throws CertgateVerifyError. Synchronous, so it fits hooks that cannot await
 * (oidc-provider's `features.mTLS.getCertificate`); its replay cache is the in-memory one.
 */
export function verifyForwardedRequest(req: RequestInput, opts: VerifyOptions): ForwardedIdentity {
  const checked = verifyUnreplayed(req, opts);
  const replay = opts.replay;
  if (replay !== undefined) recorded(replay.record(...nonceEntry(checked, opts), opts.now));
  return checked.identity;
}

/** As verifyForwardedRequest, with a replay store that may be shared (and asynchronous). */
export async function verifyForwardedRequestAsync(req: RequestInput, opts: AsyncVerifyOptions): Promise<ForwardedIdentity> {
  const checked = verifyUnreplayed(req, opts);
  const replay = opts.replay;
  if (replay !== undefined) {
    const [nonce, expiresAt] = nonceEntry(checked, opts);
    recorded(isReplayCache(replay) ? replay.record(nonce, expiresAt, opts.now) : await replay.checkAndSet(nonce, expiresAt));
  }
  return checked.identity;
}

interface Checked {
  readonly identity: ForwardedIdentity;
  readonly expires: number | undefined;
}

/** Everything but the replay check, which comes last: a refused request never uses up its nonce. */
function verifyUnreplayed(req: RequestInput, opts: AsyncVerifyOptions | VerifyOptions): Checked {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- public API: JavaScript callers may omit opts
  if (!opts || typeof opts.keys !== 'object' || !(opts.maxAge >= 0)) {
    throw new TypeError('verifyForwardedRequest needs keys and a maxAge in seconds');
  }
  if (opts.requireBodyCoverage === true && opts.body === undefined) throw new TypeError('requireBodyCoverage needs the body');
  const clockSkew = opts.clockSkew ?? 5;
  const replay = opts.replay;
  if (replay !== undefined && isReplayCache(replay) && replay.ttl < opts.maxAge + clockSkew) {
    // A nonce forgotten while its signature is still accepted could be replayed.
    throw new TypeError(`the replay cache ttl (${replay.ttl}s) must be at least maxAge + clockSkew (${opts.maxAge + clockSkew}s)`);
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
    clockSkew,
    now: opts.now ?? Date.now(),
    requiredComponents: required,
  });
  assertCertHeadersCovered(view, sig.covered, headerOpts);

  const digestCovered = sig.covered.has('content-digest');
  if (digestCovered && opts.body !== undefined) checkContentDigest(view, opts.body);
  if (opts.requireBodyCoverage === true && !digestCovered && hasBody(view, opts.body)) {
    const why = sig.tag === undefined ? 'covers no Content-Digest' : `is tagged ${sig.tag}`;
    throw new CertgateVerifyError('ERR_BODY_NOT_COVERED', `the request has a body but its signature ${why}`, { component: 'content-digest' });
  }
  if (replay !== undefined && sig.nonce === undefined) {
    throw new CertgateVerifyError('ERR_MALFORMED', 'signature has no nonce: a replay could not be told apart', { component: 'nonce' });
  }
  const identity: ForwardedIdentity = {
    ...readForwardedClient(view, headerOpts),
    keyId: sig.keyId,
    created: sig.created,
    ...(sig.nonce === undefined ? {} : { nonce: sig.nonce }),
    bodyVerified: digestCovered && opts.body !== undefined,
  };
  return { identity, expires: sig.expires };
}

/** The nonce and when it can be forgotten: when the signature would be refused anyway. */
function nonceEntry(checked: Checked, opts: AsyncVerifyOptions | VerifyOptions): [string, number] {
  const { identity, expires } = checked;
  const lastAccepted = Math.min(expires ?? Infinity, identity.created + opts.maxAge) + (opts.clockSkew ?? 5);
  return [identity.nonce!, (lastAccepted + 1) * 1000];
}

function recorded(outcome: boolean | 'full'): void {
  if (outcome === 'full')
    throw new CertgateVerifyError('ERR_REPLAY_CACHE_FULL', 'the replay cache is full; the request is refused rather than a nonce forgotten', { component: 'nonce' });
  if (!outcome) throw new CertgateVerifyError('ERR_REPLAYED', 'this signature (its nonce) was already accepted once', { component: 'nonce' });
}

function isReplayCache(store: ReplayStore): store is ReplayCache {
  return typeof (store as Partial<ReplayCache>).record === 'function';
}

/** true when `err` is a refusal from this module (as opposed to a programming error). */
export function isCertgateVerifyError(err: unknown): err is CertgateVerifyError {
  return err instanceof CertgateVerifyError;
}
