// The forward stage: streams the request to the upstream and the response back, both ways
// without buffering, with backpressure, and aborts the upstream request when the client goes away.
// A raw undici dispatch handler avoids the Readable/Writable objects that pool.request/stream
// allocate per request (measured: the forwarding path is where the time goes).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { GatewayError } from '../errors.js';
import { filterRawResponseHeaders } from './response-headers.js';

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

/**
 * undici's native handler form (onConnect/onHeaders/onData/onComplete/onError): raw header
 * buffers, no wrapper and no header object per response. Measured about 16-20 % cheaper per
 * request than the controller form, which undici 7 adapts to this one internally.
 */
class ForwardHandler {
  private abort: ((err?: Error) => void) | undefined;
  private resume: (() => void) | undefined;
  private started = false;
  private finished = false;
  private upstreamStatus: number | undefined;
  private readonly onDrain = (): void => this.resume?.();
  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.finished = true;
    this.abort?.(new Error('client closed the connection'));
    this.done({ upstreamStatus: this.upstreamStatus, aborted: true });
  };

  constructor(
    private readonly res: ServerResponse,
    private readonly done: ForwardDone,
  ) {
    res.once('close', this.onClientClose);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx from the upstream: Node answers 100-continue itself
    this.resume = resume;
    this.started = true;
    this.upstreamStatus = statusCode;
    if (statusText) this.res.statusMessage = statusText;
    this.res.writeHead(statusCode, filterRawResponseHeaders(rawHeaders));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.onDrain);
    return false;
  }

  onComplete(): void {
    if (this.finished) return;
    this.finished = true;
    this.res.end();
    this.done({ upstreamStatus: this.upstreamStatus });
  }

  onError(err: Error): void {
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
    handler as unknown as Dispatcher.DispatchHandler,
  );
}
