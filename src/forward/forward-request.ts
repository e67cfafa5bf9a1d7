// The forward stage: streams the request to the upstream and the response back, both ways
// without buffering, with backpressure, and aborts the upstream request when the client goes away.
// A raw undici dispatch handler avoids the Readable/Writable objects that pool.request/stream
// allocate per request (measured: the forwarding path is where the time goes).
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { GatewayError } from '../errors.js';
import { filterResponseHeaders } from './response-headers.js';

export interface ForwardOptions {
  readonly pool: Pool;
  readonly method: string;
  readonly path: string;
  /** flat [name, value, ...] */
  readonly headers: string[];
  readonly hasBody: boolean;
}

export type ForwardDone = (result: { upstreamStatus?: number; error?: GatewayError; aborted?: boolean }) => void;

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps an undici/socket failure before the response started to the contract's error. */
export function upstreamFailure(err: Error & { code?: string }): GatewayError {
  if (err.code && TIMEOUT_CODES.has(err.code)) {
    return new GatewayError('UPSTREAM_TIMEOUT', 'the upstream did not answer in time', { cause: err });
  }
  if (err.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH') {
    return new GatewayError('BAD_REQUEST', 'request body did not match its Content-Length', { cause: err });
  }
  return new GatewayError('UPSTREAM_UNAVAILABLE', 'the upstream could not be reached', { cause: err });
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private started = false;
  private finished = false;
  private readonly onDrain = (): void => this.controller?.resume();
  private readonly onClientClose = (): void => {
    if (!this.finished && this.controller && !this.controller.aborted) {
      this.finished = true;
      this.controller.abort(new Error('client closed the connection'));
      this.done({ aborted: true });
    }
  };

  constructor(
    private readonly res: ServerResponse,
    private readonly done: ForwardDone,
  ) {
    res.once('close', this.onClientClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // 1xx from the upstream: Node answers 100-continue itself
    this.started = true;
    const out: OutgoingHttpHeaders = filterResponseHeaders(headers);
    if (statusMessage) this.res.statusMessage = statusMessage;
    this.res.writeHead(statusCode, out);
    this.upstreamStatus = statusCode;
  }

  private upstreamStatus: number | undefined;

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.res.end();
    this.done({ upstreamStatus: this.upstreamStatus });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.finished = true;
    if (this.started) {
      // Headers are gone already: the only honest signal left is a broken connection.
      this.res.destroy(err);
      this.done({ upstreamStatus: this.upstreamStatus, aborted: true });
      return;
    }
    this.done({ error: upstreamFailure(err as Error & { code?: string }) });
  }
}

export function forwardRequest(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void {
  const handler = new ForwardHandler(res, done);
  opts.pool.dispatch(
    {
      path: opts.path,
      method: opts.method,
      headers: opts.headers,
      body: opts.hasBody ? req : null,
    },
    handler,
  );
}
