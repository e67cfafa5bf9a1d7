// The undici engine: Pool.dispatch with undici's native handler. A raw dispatch handler avoids
// the Readable/Writable objects that pool.request/stream allocate per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher, Pool } from 'undici';
import { upstreamFailure, type ForwardDone, type ForwardOptions, type UpstreamClient } from './forward-request.js';
import { filterRawResponseHeaders } from './response-headers.js';

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

export class UndiciClient implements UpstreamClient {
  constructor(private readonly pool: Pool) {}

  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void {
    const handler = new ForwardHandler(res, done);
    this.pool.dispatch(
      {
        path: opts.path,
        method: opts.method,
        headers: opts.headers,
        body: opts.hasBody ? req : null,
      },
      handler as unknown as Dispatcher.DispatchHandler,
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
