// Errors of the h1 upstream client. The codes reuse undici's where the meaning is the same, so
// upstreamFailure() in forward-request.ts maps both engines to the same contract error (504/502).

export type H1ErrorCode =
  | 'UND_ERR_CONNECT_TIMEOUT'
  | 'UND_ERR_HEADERS_TIMEOUT'
  | 'UND_ERR_BODY_TIMEOUT'
  | 'UND_ERR_SOCKET'
  | 'UND_ERR_CLOSED'
  | 'CERTGATE_UPSTREAM_BAD_RESPONSE'
  | 'CERTGATE_BAD_REQUEST_HEAD'
  | 'CERTGATE_UPSTREAM_BUSY'
  | 'CERTGATE_QUEUE_TIMEOUT';

export class H1Error extends Error {
  constructor(
    readonly code: H1ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'H1Error';
  }
}

/** A response the parser refuses (RFC 9112 framing or syntax); the gateway answers 502. */
export function badResponse(reason: string): H1Error {
  return new H1Error('CERTGATE_UPSTREAM_BAD_RESPONSE', `invalid upstream response: ${reason}`);
}
