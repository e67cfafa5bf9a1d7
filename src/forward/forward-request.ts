// The forward stage: buffers a request body up to the listener's limit (request-body.ts), then
// has the h1 engine (h1/h1-client.ts) send the request and stream the response back with
// backpressure; the upstream request is aborted when the client goes away.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { bufferRequestBody, type BufferedBody } from './request-body.js';
import type { HeaderBlock } from './h1/header-block.js';
import { forwardSignedBody } from './signed-body.js';
import type { PendingBodySignature } from '../signing/body-signature.js';
import type { ResponseIdHeader } from './response-headers.js';
import type { ResponseSink } from './h1/response-parser.js';

/** How the gateway reaches one upstream. */
export interface UpstreamClient {
  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void;
  close(): Promise<void>;
}

export interface ForwardOptions {
  readonly client: UpstreamClient;
  readonly method: string;
  readonly path: string;
  /** flat [name, value, ...], checked per request */
  readonly headers: string[];
  /** fields the gateway adds to every request of the connection, serialised and checked once */
  readonly block?: HeaderBlock;
  readonly hasBody: boolean;
  /** how much of a request body is read before the upstream is contacted (limits.bodyBuffer) */
  readonly bodyBuffer: number;
  /** the listener's request-ID header and this request's ID, set on the response to the client */
  readonly idHeader?: ResponseIdHeader;
  readonly requestId?: string;
  /** puts a stage between the parsed response and the client (src/discovery/); absent on the common path */
  readonly wrapResponse?: ((sink: ResponseSink) => ResponseSink) | undefined;
  /** set by forwardRequest once the body has been buffered */
  readonly body?: BufferedBody;
  /** a signing upstream's request with a body: signed once the body is read (signed-body.ts) */
  readonly bodySignature?: PendingBodySignature;
}

/** `error` may also come after the response head was relayed: the client connection is then destroyed. */
export type ForwardDone = (result: { upstreamStatus?: number; error?: GatewayError; aborted?: boolean }) => void;

export function forwardRequest(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void {
  if (res.destroyed) {
    // The client left before this stage (while revocation was checked, say): nothing is sent.
    done({ aborted: true });
    return;
  }
  if (!opts.hasBody) {
    opts.client.forward(req, res, opts, done);
    return;
  }
  if (opts.bodySignature !== undefined) {
    forwardSignedBody(req, res, opts, opts.bodySignature, done);
    return;
  }
  bufferRequestBody(req, res, opts.bodyBuffer, (body) => {
    if (body === undefined) done({ aborted: true });
    else opts.client.forward(req, res, { ...opts, body }, done);
  });
}
