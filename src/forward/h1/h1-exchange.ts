// One forwarded request on the h1 engine: writes the request (head, then the body with
// backpressure), receives the response from the parser and streams it to the client with
// backpressure. Event listeners on req/res are module-level functions that find the exchange
// through a symbol, so a request allocates this object and nothing else of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { upstreamFailure, type ForwardDone } from '../forward-request.js';
import { filterRawResponseHeaders } from '../response-headers.js';
import { H1Error } from './h1-errors.js';
import type { H1Connection } from './h1-connection.js';
import type { H1ConnectionPool } from './h1-connection-pool.js';
import type { ResponseSink } from './response-parser.js';
import { CHUNK_END, chunkSizeLine, LAST_CHUNK, type RequestHead } from './request-head.js';

const kExchange = Symbol('certgate.h1.exchange');
type Tagged<T> = T & { [kExchange]?: H1Exchange };

export class H1Exchange implements ResponseSink {
  conn: H1Connection | undefined;
  /** the exchange is over for the client: answered, failed or abandoned */
  finished = false;
  /** the whole request, body included, is on the socket */
  requestSent = false;
  private started = false;
  private retried = false;
  private bodyStarted = false;
  private awaitingDrain = false;
  private lastChunk: Buffer | undefined;
  private upstreamStatus: number | undefined;

  constructor(
    private readonly pool: H1ConnectionPool,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: RequestHead,
    private readonly hasBody: boolean,
    private readonly isHead: boolean,
    private readonly done: ForwardDone,
  ) {
    (res as Tagged<ServerResponse>)[kExchange] = this;
    res.once('close', onClientClose);
    if (hasBody) (req as Tagged<IncomingMessage>)[kExchange] = this;
  }

  /** The connection is ready for this request. */
  begin(conn: H1Connection): void {
    this.conn = conn;
    conn.parser.reset(this, this.isHead);
    const settings = this.pool.settings;
    conn.socket.write(this.head.text, 'latin1');
    if (!this.hasBody) {
      this.requestSent = true;
      conn.setInactivityTimeout(settings.responseTimeout);
      return;
    }
    conn.setInactivityTimeout(settings.idleTimeout);
    this.req.on('data', onRequestData);
    this.req.on('end', onRequestEnd);
    this.req.resume();
  }

  writeBody(chunk: Buffer): void {
    const conn = this.conn;
    if (conn === undefined || this.finished) return;
    this.bodyStarted = true;
    const socket = conn.socket;
    let ok: boolean;
    if (this.head.chunked) {
      if (chunk.length === 0) return; // a zero-size chunk would end the body
      socket.cork();
      socket.write(chunkSizeLine(chunk.length), 'latin1');
      socket.write(chunk);
      ok = socket.write(CHUNK_END, 'latin1');
      socket.uncork();
    } else {
      ok = socket.write(chunk);
    }
    if (!ok) this.req.pause();
  }

  endBody(): void {
    const conn = this.conn;
    if (conn === undefined || this.finished) return;
    if (this.head.chunked) conn.socket.write(LAST_CHUNK, 'latin1');
    this.requestSent = true;
    if (!this.started) conn.setInactivityTimeout(this.pool.settings.responseTimeout);
  }

  socketDrained(): void {
    if (this.hasBody && !this.requestSent) this.req.resume();
  }

  onResponseHead(status: number, reason: string, headers: string[]): void {
    const res = this.res;
    this.upstreamStatus = status;
    try {
      if (reason) res.statusMessage = reason;
      res.writeHead(status, filterRawResponseHeaders(headers));
    } catch (err) {
      // Node refused a field the parser let through: treat it as a bad upstream response.
      this.conn?.destroy(err as Error);
      return;
    }
    this.started = true;
    this.conn!.setInactivityTimeout(this.pool.settings.idleTimeout);
  }

  onResponseBody(chunk: Buffer, last: boolean): void {
    if (last) {
      // Handed to res.end(): Node then sends head and body in one write, without a second,
      // empty write for the end.
      this.lastChunk = chunk;
      return;
    }
    if (this.res.write(chunk) || this.awaitingDrain) return;
    // The client reads slower than the upstream sends: stop reading the upstream socket.
    this.awaitingDrain = true;
    this.conn!.socket.pause();
    this.res.once('drain', onClientDrain);
  }

  onResponseEnd(): void {
    this.finished = true;
    this.detachRequest();
    const last = this.lastChunk;
    this.lastChunk = undefined;
    if (last === undefined) this.res.end();
    else this.res.end(last);
    this.done({ upstreamStatus: this.upstreamStatus });
  }

  clientDrained(): void {
    this.awaitingDrain = false;
    if (!this.finished) this.conn?.socket.resume();
  }

  /** The error a socket timeout means at this point of the exchange. */
  timeoutError(): H1Error {
    return this.started
      ? new H1Error('UND_ERR_BODY_TIMEOUT', 'the upstream stopped sending the response body')
      : new H1Error('UND_ERR_HEADERS_TIMEOUT', 'the upstream did not answer in time');
  }

  /** The connection under this exchange broke (or could not be made). */
  connectionFailed(err: Error, conn: H1Connection | undefined): void {
    if (this.finished) return;
    this.conn = undefined;
    const code = (err as Error & { code?: string }).code;
    if (
      conn !== undefined && conn.served > 0 && conn.connected && !conn.parser.received && !this.retried &&
      !this.bodyStarted && code !== 'UND_ERR_HEADERS_TIMEOUT' && code !== 'UND_ERR_CLOSED'
    ) {
      this.retried = true;
      this.detachRequest();
      if (this.hasBody) this.req.pause();
      this.pool.retry(this);
      return;
    }
    this.finished = true;
    this.detachRequest();
    if (this.started) {
      // The head is gone already: the only honest signal left is a broken connection.
      this.res.destroy(err);
      this.done({ upstreamStatus: this.upstreamStatus, aborted: true });
      return;
    }
    this.done({ error: upstreamFailure(err as Error & { code?: string }) });
  }

  clientClosed(): void {
    if (this.finished) return;
    this.finished = true;
    this.detachRequest();
    // Never reuse a half-read socket: the rest of this response would precede the next one.
    this.conn?.abandon();
    this.conn = undefined;
    this.done({ upstreamStatus: this.upstreamStatus, aborted: true });
  }

  private detachRequest(): void {
    if (!this.hasBody) return;
    this.req.removeListener('data', onRequestData);
    this.req.removeListener('end', onRequestEnd);
  }
}

function onClientClose(this: Tagged<ServerResponse>): void {
  this[kExchange]?.clientClosed();
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  this[kExchange]?.clientDrained();
}

function onRequestData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  this[kExchange]?.writeBody(chunk);
}

function onRequestEnd(this: Tagged<IncomingMessage>): void {
  this[kExchange]?.endBody();
}
