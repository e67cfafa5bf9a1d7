// Why a forwarded request was refused. Callers branch on `code`, never on message text.

export type CertgateVerifyErrorCode =
  /** No `Signature-Input`/`Signature` entry with certgate's label. */
  | 'ERR_NO_SIGNATURE'
  /** `keyid` names no key the upstream was given. */
  | 'ERR_UNKNOWN_KEYID'
  /** The signature does not match the request (or `alg` disagrees with the key). */
  | 'ERR_BAD_SIGNATURE'
  /** `created` older than maxAge or in the future, or `expires` passed. */
  | 'ERR_SIGNATURE_EXPIRED'
  /** @method, @authority, @path, @query (when the target has one) or a required header is not covered. */
  | 'ERR_COMPONENT_NOT_COVERED'
  /** A certificate, chain or info header is present but not covered: injected after signing. */
  | 'ERR_HEADER_NOT_COVERED'
  /** Unparseable signature fields, parameters or certificate headers. */
  | 'ERR_MALFORMED'
  /** The covered Content-Digest does not match the body given: the body was changed after signing. */
  | 'ERR_DIGEST_MISMATCH'
  /** requireBodyCoverage: the request has a body but the signature covers no digest of it. */
  | 'ERR_BODY_NOT_COVERED'
  /** The signature's nonce was seen before, within its validity: a replay. */
  | 'ERR_REPLAYED'
  /** The in-memory replay cache holds maxEntries unexpired nonces: refused rather than forgotten. */
  | 'ERR_REPLAY_CACHE_FULL';

export class CertgateVerifyError extends Error {
  readonly code: CertgateVerifyErrorCode;
  /** The component or header concerned, when there is one. */
  readonly component?: string;

  constructor(code: CertgateVerifyErrorCode, message: string, options?: { component?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CertgateVerifyError';
    this.code = code;
    if (options?.component !== undefined) this.component = options.component;
  }
}
