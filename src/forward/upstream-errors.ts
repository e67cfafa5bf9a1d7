// Errors of the upstream client, with its own engine-neutral codes, and the one mapping from
// them to the contract's GatewayError (what the client is answered).
import { CertgateError, GatewayError, type GatewayErrorCode } from '../errors.js';

export type UpstreamErrorCode =
  | 'ERR_UPSTREAM_CONNECT_TIMEOUT'
  | 'ERR_UPSTREAM_HEADERS_TIMEOUT'
  | 'ERR_UPSTREAM_BODY_TIMEOUT'
  /** The upstream closed or broke the connection before the response was complete. */
  | 'ERR_UPSTREAM_CONNECTION_LOST'
  /** The gateway closed its upstream client (shutdown, reload) with the exchange still open. */
  | 'ERR_UPSTREAM_CLIENT_CLOSED'
  | 'ERR_UPSTREAM_BAD_RESPONSE'
  | 'ERR_UPSTREAM_QUEUE_FULL'
  | 'ERR_UPSTREAM_QUEUE_TIMEOUT'
  /** The client's request head cannot be written on the wire as is. */
  | 'ERR_REQUEST_HEAD_INVALID';

export class UpstreamError extends CertgateError<UpstreamErrorCode> {
  constructor(code: UpstreamErrorCode, message: string) {
    super(code, message);
    this.name = 'UpstreamError';
  }
}

/** A response the parser refuses (RFC 9112 framing or syntax); the gateway answers 502. */
export function badResponse(reason: string): UpstreamError {
  return new UpstreamError('ERR_UPSTREAM_BAD_RESPONSE', `invalid upstream response: ${reason}`);
}

type UpstreamAnswer = Extract<GatewayErrorCode, 'UPSTREAM_TIMEOUT' | 'UPSTREAM_BUSY' | 'UPSTREAM_UNAVAILABLE' | 'BAD_REQUEST'>;

const ANSWERS: Readonly<Record<UpstreamErrorCode, UpstreamAnswer>> = {
  ERR_UPSTREAM_CONNECT_TIMEOUT: 'UPSTREAM_TIMEOUT',
  ERR_UPSTREAM_HEADERS_TIMEOUT: 'UPSTREAM_TIMEOUT',
  ERR_UPSTREAM_BODY_TIMEOUT: 'UPSTREAM_TIMEOUT',
  ERR_UPSTREAM_QUEUE_TIMEOUT: 'UPSTREAM_TIMEOUT',
  ERR_UPSTREAM_QUEUE_FULL: 'UPSTREAM_BUSY',
  ERR_UPSTREAM_CONNECTION_LOST: 'UPSTREAM_UNAVAILABLE',
  ERR_UPSTREAM_CLIENT_CLOSED: 'UPSTREAM_UNAVAILABLE',
  ERR_UPSTREAM_BAD_RESPONSE: 'UPSTREAM_UNAVAILABLE',
  // The client sent something Node accepted but that cannot be forwarded: the client's fault.
  ERR_REQUEST_HEAD_INVALID: 'BAD_REQUEST',
};

const DESCRIPTIONS: Readonly<Record<Exclude<UpstreamAnswer, 'BAD_REQUEST'>, string>> = {
  UPSTREAM_TIMEOUT: 'the upstream did not answer in time',
  UPSTREAM_BUSY: 'the upstream has too many requests waiting',
  UPSTREAM_UNAVAILABLE: 'the upstream could not be reached',
};

/** Maps an upstream client or socket failure (ECONNREFUSED, a TLS error, ...) to the contract's error. */
export function upstreamFailure(err: unknown): GatewayError {
  const code = err instanceof UpstreamError ? ANSWERS[err.code] : 'UPSTREAM_UNAVAILABLE';
  const description = code === 'BAD_REQUEST' ? `the request cannot be forwarded: ${(err as Error).message}` : DESCRIPTIONS[code];
  return new GatewayError(code, description, { cause: err });
}
