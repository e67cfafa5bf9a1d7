// One forwarded request on the h1 engine: writes the request (head and a buffered body in one
// write, or head, buffered prefix, then the rest of the body with backpressure), receives the
// response from the parser and streams it to the client with backpressure. Event listeners on
// req/res are module-level functions that find the exchange through a symbol, so a request
// allocates this object and nothing else of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ForwardDone } from '../forward-request.js';
import { filterRawResponseHeaders, type ResponseIdHeader } from '../response-headers.js';
import { upstreamFailure, UpstreamError } from '../upstream-errors.js';
import type { H1Connection } from './h1-connection.js';
import type { H1ConnectionPool } from './h1-connection-pool.js';
import type { ResponseSink } from './response-parser.js';
import { CHUNK_END, chunkSizeLine, LAST_CHUNK, type RequestHead } from './request-head.js';
import type { BufferedBody } from '../request-body.js';

const kExchange = Symbol('certgate.h1.exchange');
type Tagged<T> = T & { [kExchange]?: H1Exchange };
/** The client socket's exchange in progress (null between exchanges): one 'close' listener per connection, not one per request. */
const kActive = Symbol('certgate.h1.active');
type ClientSocket = Socket & { [kActive]?: H1Exchange | null };

export class H1Exchange implements ResponseSink {
  conn: H1Connection | undefined;
  /** the exchange is over for the client: answered, failed or abandoned */
  finished = false;
  /** the whole request, body included, is on the socket */
  requestSent = false;
  /** when it joined the pool's queue (performance.now()); 0 if it never waited */
  queuedAt = 0;
  /** links of the pool's waiting list (h1-connection-pool.ts) */
  prevQueued: H1Exchange | undefined;
  nextQueued: H1Exchange | undefined;
  inQueue = false;
  /** the response head has been relayed to the client */
  started = false;
  private retried = false;
  private awaitingDrain = false;
  private lastChunk: Buffer | undefined;
  private upstreamStatus: number | undefined;
  private readonly clientSocket: ClientSocket | null;
  /** what the parser feeds: this exchange, or a stage wrapped around it */
  private readonly sink: ResponseSink;

  constructor(
    private readonly pool: H1ConnectionPool,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly head: RequestHead,
    private readonly method: string,
    private readonly hasBody: boolean,
    /** what forwardRequest read of the body before a connection was taken (request-body.ts) */
    private readonly body: BufferedBody | undefined,
    private readonly done: ForwardDone,
    private readonly idHeader?: ResponseIdHeader,
    private readonly requestId?: string,
    wrapResponse?: (sink: ResponseSink) => ResponseSink,
  ) {
    this.sink = wrapResponse === undefined ? this : wrapResponse(this);
    (res as Tagged<ServerResponse>)[kExchange] = this;
    // The response closes before it ends only when its socket does (or it is destroyed, which
    // destroys the socket): watching the socket once per connection sees the same departures.
    const socket: ClientSocket | null = res.socket;
    this.clientSocket = socket;
    if (socket === null) {
      res.once('close', onClientClose);
    } else {
      if (socket[kActive] === undefined) socket.once('close', onClientSocketClose);
      socket[kActive] = this;
    }
    if (hasBody && body?.complete !== true) (req as Tagged<IncomingMessage>)[kExchange] = this;
  }

  /** The connection is ready for this request. */
  begin(conn: H1Connection): void {
    this.conn = conn;
    conn.parser.reset(this.sink, this.method === 'HEAD');
    const settings = this.pool.settings;
    const socket = conn.socket;
    const body = this.body;
    if (!this.hasBody) {
      socket.write(this.head.text, 'latin1');
      this.requestSent = true;
      conn.setInactivityTimeout(this.responseTimeout());
      return;
    }
    socket.cork();
    socket.write(this.head.text, 'latin1');
    if (body?.complete === true) {
      // Read whole before the connection was taken: one write, nothing left to wait for.
      if (body.length > 0) socket.write(body.chunks[0]!);
      socket.uncork();
      this.requestSent = true;
      conn.setInactivityTimeout(this.responseTimeout());
      return;
    }
    // Larger than the buffer: what was read goes first, the rest streams from the client.
    let ok = true;
    if (body !== undefined) for (const chunk of body.chunks) ok = this.writeFramed(socket, chunk);
    socket.uncork();
    conn.setInactivityTimeout(settings.idleTimeout);
    this.req.on('data', onRequestData);
    this.req.on('end', onRequestEnd);
    if (ok) this.req.resume();
  }

  /** The response deadline counts from when the exchange was queued, not from dispatch. */
  private responseTimeout(): number {
    const limit = this.pool.settings.responseTimeout;
    return this.queuedAt === 0 ? limit : Math.max(1, Math.ceil(limit - (performance.now() - this.queuedAt)));
  }

  writeBody(chunk: Buffer): void {
    const conn = this.conn;
    if (conn === undefined || this.finished) return;
    if (!this.writeFramed(conn.socket, chunk)) this.req.pause();
  }

  private writeFramed(socket: H1Connection['socket'], chunk: Buffer): boolean {
    if (!this.head.chunked) return socket.write(chunk);
    if (chunk.length === 0) return true; // a zero-size chunk would end the body
    socket.cork();
    socket.write(chunkSizeLine(chunk.length), 'latin1');
    socket.write(chunk);
    const ok = socket.write(CHUNK_END, 'latin1');
    socket.uncork();
    return ok;
  }

  endBody(): void {
    const conn = this.conn;
    if (conn === undefined || this.finished) return;
    if (this.head.chunked) conn.socket.write(LAST_CHUNK, 'latin1');
    this.requestSent = true;
    if (!this.started) conn.setInactivityTimeout(this.responseTimeout());
  }

  socketDrained(): void {
    if (this.hasBody && !this.requestSent) this.req.resume();
  }

  onResponseHead(status: number, reason: string, headers: string[]): void {
    const res = this.res;
    this.upstreamStatus = status;
    try {
      if (reason) res.statusMessage = reason;
      res.writeHead(status, filterRawResponseHeaders(headers, this.idHeader, this.requestId));
    } catch (err) {
      // Node refused a field the parser let through: treat it as a bad upstream response.
      this.conn?.destroy(err as Error);
      return;
    }
    // The switch to the idle limit is made by the connection once this read is parsed, and only
    // if the response goes on: most end in the read that brought the head, and re-arming a socket
    // timer twice per request costs more than the rest of the exchange bookkeeping.
    this.started = true;
  }

  onResponseBody(read: Buffer, last: boolean): void {
    // A wrapping stage may relay head and body in one call: after a refused head, nothing more.
    if (this.finished) return;
    // `read` may be a view of the connection's shared read buffer (h1-connection.ts): Node may keep
    // what it is given beyond this call (a corked or congested client socket), so it gets a copy.
    const chunk = Buffer.from(read);
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
    if (this.finished) return;
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
  timeoutError(): UpstreamError {
    return this.started
      ? new UpstreamError('ERR_UPSTREAM_BODY_TIMEOUT', 'the upstream stopped sending the response body')
      : new UpstreamError('ERR_UPSTREAM_HEADERS_TIMEOUT', 'the upstream did not answer in time');
  }

  /** The connection under this exchange broke (or could not be made). */
  connectionFailed(err: Error, conn: H1Connection | undefined): void {
    if (this.finished) return;
    this.conn = undefined;
    const code = (err as Error & { code?: string }).code;
    if (
      conn !== undefined &&
      conn.served > 0 &&
      conn.connected &&
      !conn.parser.received &&
      !this.retried &&
      this.replayable() &&
      code !== 'ERR_UPSTREAM_HEADERS_TIMEOUT' &&
      code !== 'ERR_UPSTREAM_CLIENT_CLOSED'
    ) {
      this.retried = true;
      this.pool.retry(this);
      return;
    }
    this.finished = true;
    this.detachRequest();
    if (this.started) {
      // The head is gone already: the only honest signal left is a broken connection. The
      // failure is still the upstream's, not a client abort (499), for the access log.
      this.res.destroy(err);
      this.done({ upstreamStatus: this.upstreamStatus, error: upstreamFailure(err) });
      return;
    }
    this.done({ error: upstreamFailure(err) });
  }

  /**
   * Whether the request may be sent a second time: only the idempotent methods this gateway
   * forwards (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS; a replayed POST may charge twice), and
   * only with no body or one held whole in memory (a streamed body is partly consumed).
   */
  private replayable(): boolean {
    const m = this.method;
    if (m !== 'GET' && m !== 'HEAD' && m !== 'OPTIONS') return false;
    return !this.hasBody || this.body?.complete === true;
  }

  clientClosed(): void {
    if (this.finished) return;
    this.finished = true;
    this.detachRequest();
    if (this.inQueue) this.pool.removeQueued(this); // a departed client's request is never sent
    // Never reuse a half-read socket: the rest of this response would precede the next one.
    this.conn?.abandon();
    this.conn = undefined;
    this.done({ upstreamStatus: this.upstreamStatus, aborted: true });
  }

  private detachRequest(): void {
    const socket = this.clientSocket;
    if (socket !== null && socket[kActive] === this) socket[kActive] = null;
    if (!this.hasBody || this.body?.complete === true) return;
    this.req.removeListener('data', onRequestData);
    this.req.removeListener('end', onRequestEnd);
  }
}

function onClientClose(this: Tagged<ServerResponse>): void {
  this[kExchange]?.clientClosed();
}

function onClientSocketClose(this: ClientSocket): void {
  this[kActive]?.clientClosed();
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
