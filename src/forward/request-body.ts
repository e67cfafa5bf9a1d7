// Request buffering, as nginx's proxy_request_buffering: a request body is read into memory, up to
// the listener's `limits.bodyBuffer`, before an upstream connection is taken. A client trickling its
// body then holds only its own connection, not one of the upstream's (issue 7 finding 4: 130 slow
// bodies held all 128 upstream connections), and a body whose framing Node refuses early (bad chunked
// encoding: Node answers 400) was never partly sent upstream. A body that fits is sent in one write
// with its Content-Length (a chunked one is re-framed; its trailers are dropped, as nginx does). A
// larger body is streamed once its first `bodyBuffer` bytes have arrived: memory stays bounded per
// request, at the cost that such a body, when slow after that point, does hold an upstream
// connection (bounded by the upstream's idle timeout). Requests without a body pay nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface BufferedBody {
  /** what was read so far, in order */
  readonly chunks: readonly Buffer[];
  readonly length: number;
  /** the whole body is in `chunks`; otherwise the rest is still to be read from the request */
  readonly complete: boolean;
}

/** `body` is undefined when the client went away before its body was read. */
export type BodyReady = (body: BufferedBody | undefined) => void;

const kCollector = Symbol('certgate.body');
type Tagged<T> = T & { [kCollector]?: BodyCollector };

class BodyCollector {
  readonly chunks: Buffer[] = [];
  length = 0;
  private settled = false;

  constructor(
    private readonly req: Tagged<IncomingMessage>,
    private readonly res: Tagged<ServerResponse>,
    private readonly limit: number,
    private readonly ready: BodyReady,
  ) {
    req[kCollector] = this;
    res[kCollector] = this;
    req.on('data', onData);
    req.on('end', onEnd);
    res.on('close', onClose);
  }

  add(chunk: Buffer): void {
    if (this.settled) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > this.limit) {
      // Too big to hold: the rest streams behind what was read, with backpressure.
      this.req.pause();
      this.settle({ chunks: this.chunks, length: this.length, complete: false });
    }
  }

  end(): void {
    if (this.settled) return;
    const chunks = this.chunks.length > 1 ? [Buffer.concat(this.chunks, this.length)] : this.chunks;
    this.settle({ chunks, length: this.length, complete: true });
  }

  clientGone(): void {
    if (!this.settled) this.settle(undefined);
  }

  private settle(body: BufferedBody | undefined): void {
    this.settled = true;
    this.req.removeListener('data', onData);
    this.req.removeListener('end', onEnd);
    this.res.removeListener('close', onClose);
    this.req[kCollector] = undefined;
    this.res[kCollector] = undefined;
    this.ready(body);
  }
}

/** Reads the request body (up to `limit` bytes) and then calls `ready`, once. */
export function bufferRequestBody(req: IncomingMessage, res: ServerResponse, limit: number, ready: BodyReady): void {
  new BodyCollector(req, res, limit, ready);
}

function onData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  this[kCollector]?.add(chunk);
}

function onEnd(this: Tagged<IncomingMessage>): void {
  this[kCollector]?.end();
}

function onClose(this: Tagged<ServerResponse>): void {
  this[kCollector]?.clientGone();
}
