// The forward stage: streams the request to the upstream and the response back, both ways
// without buffering, with backpressure, and aborts the upstream request when the client goes away.
// The work is done by an UpstreamClient, one per upstream: undici (undici-client.ts) or the
// purpose-built h1 engine (h1/h1-client.ts); upstream-pool.ts chooses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';

/** How the gateway reaches one upstream. Both engines keep this exact contract. */
export interface UpstreamClient {
  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void;
  close(): Promise<void>;
}

export interface ForwardOptions {
  readonly client: UpstreamClient;
  readonly method: string;
  readonly path: string;
  /** flat [name, value, ...] */
  readonly headers: string[];
  readonly hasBody: boolean;
}

export type ForwardDone = (result: { upstreamStatus?: number; error?: GatewayError; aborted?: boolean }) => void;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps an undici/h1/socket failure before the response started to the contract's error. */
export function upstreamFailure(err: Error & { code?: string }): GatewayError {
  if (err.code && TIMEOUT_CODES.has(err.code)) {
    return new GatewayError('UPSTREAM_TIMEOUT', 'the upstream did not answer in time', { cause: err });
  }
  if (err.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
    return new GatewayError('BAD_REQUEST', 'request body did not match its Content-Length', { cause: err });
  }
  return new GatewayError('UPSTREAM_UNAVAILABLE', 'the upstream could not be reached', { cause: err });
}

export function forwardRequest(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void {
  opts.client.forward(req, res, opts, done);
}
