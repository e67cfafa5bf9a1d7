// One keep-alive socket to an upstream, carrying one exchange at a time (no pipelining: a slow
// response must not stall the requests behind it). Socket listeners are bound once per
// connection, not per request; the current exchange is a field they dispatch to.
import net from 'node:net';
import tls from 'node:tls';
import { UpstreamError } from '../upstream-errors.js';
import { ResponseParser } from './response-parser.js';
import type { H1Exchange } from './h1-exchange.js';

/**
 * Plain-TCP upstream sockets read into this one buffer (net's `onread`), not into a fresh Buffer
 * through a Readable stream per read: a read is parsed synchronously before the next can arrive,
 * and the only bytes kept past it, body chunks and a partial line, are copied
 * (h1-exchange.ts onResponseBody, response-parser.ts readLine).
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

export interface ConnectionSettings {
  readonly https: boolean;
  readonly host: string;
  readonly port: number;
  readonly tls: tls.ConnectionOptions | undefined;
  readonly connections: number;
  /** exchanges that may wait for a connection; past it, UPSTREAM_BUSY */
  readonly queue: number;
  readonly connectTimeout: number;
  readonly responseTimeout: number;
  readonly idleTimeout: number;
  /** how long an unused socket stays open (undici's default is the same 4 s) */
  readonly keepAliveTimeout: number;
}

/** What a connection tells its pool. */
export interface ConnectionOwner {
  readonly settings: ConnectionSettings;
  connectionIdle(conn: H1Connection): void;
  connectionGone(conn: H1Connection): void;
}

export class H1Connection {
  readonly socket: net.Socket;
  readonly parser = new ResponseParser();
  exchange: H1Exchange | undefined;
  connected = false;
  /** responses completed on this socket; above 0 the socket is a reused one */
  served = 0;
  /** when the socket last became idle (Date.now()), for the pool's keep-alive sweep */
  idleSince = 0;
  private closed = false;
  private timeoutMs = -1;

  constructor(
    private readonly owner: ConnectionOwner,
    first: H1Exchange,
  ) {
    const s = owner.settings;
    this.exchange = first;
    const socket = s.https
      ? tls.connect({ ...s.tls, host: s.host, port: s.port })
      : net.connect({ host: s.host, port: s.port, onread: { buffer: READ_BUFFER, callback: this.onRead } });
    this.socket = socket;
    socket.setNoDelay(true);
    this.setInactivityTimeout(s.connectTimeout);
    socket.once(s.https ? 'secureConnect' : 'connect', this.onConnect);
    if (s.https) socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('end', this.onEnd);
    socket.on('timeout', this.onTimeout);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Gives the connection its next exchange (the pool calls this). */
  assign(exchange: H1Exchange): void {
    this.exchange = exchange;
    exchange.begin(this);
  }

  /**
   * Socket inactivity limit for the current phase. Re-arming Node's socket timer allocates, so it
   * is only done when the limit changes; reads and writes refresh it anyway.
   */
  setInactivityTimeout(ms: number): void {
    if (ms === this.timeoutMs) return;
    this.timeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  /** The response ended cleanly: keep the socket if its framing and the server allow it. */
  private responseDone(extraBytes: boolean): void {
    const ex = this.exchange!;
    if (extraBytes || !this.parser.keepAlive || !ex.requestSent) {
      this.destroy(undefined);
      return;
    }
    this.exchange = undefined;
    this.served++;
    this.socket.resume(); // it may have been paused for backpressure; an idle socket must see FIN
    this.idleSince = Date.now(); // the keep-alive timeout is the pool's sweep, not a timer per request
    this.owner.connectionIdle(this);
  }

  /** Ends the socket; an exchange still on it gets `err` (or a generic socket error). */
  destroy(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const ex = this.exchange;
    this.exchange = undefined;
    this.parser.detach();
    this.socket.destroy();
    this.owner.connectionGone(this);
    if (ex !== undefined && !ex.finished) {
      ex.connectionFailed(err ?? new UpstreamError('ERR_UPSTREAM_CONNECTION_LOST', 'upstream connection closed'), this);
    }
  }

  /** Detaches the exchange and ends the socket without telling it (the client went away). */
  abandon(): void {
    this.exchange = undefined;
    this.destroy(undefined);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    const ex = this.exchange;
    if (ex === undefined || ex.finished) {
      // The client left while we were connecting: the socket is still good for the next one.
      this.exchange = undefined;
      this.setInactivityTimeout(this.owner.settings.idleTimeout);
      this.idleSince = Date.now();
      this.owner.connectionIdle(this);
      return;
    }
    ex.begin(this);
  };

  private readonly onRead = (bytes: number, buffer: Uint8Array): boolean => {
    this.onData((buffer as Buffer).subarray(0, bytes));
    return true;
  };

  private readonly onData = (chunk: Buffer): void => {
    const ex = this.exchange;
    if (ex === undefined) {
      this.destroy(undefined); // bytes nobody asked for: the stream is out of sync
      return;
    }
    const err = this.parser.execute(chunk);
    if (this.parser.complete && this.exchange === ex && ex.finished) {
      this.responseDone(err !== undefined);
      return;
    }
    if (err !== undefined) {
      this.destroy(err);
      return;
    }
    // The head was relayed and the body goes on past this read: between its reads the limit is the idle one.
    if (ex.started && this.exchange === ex) this.setInactivityTimeout(this.owner.settings.idleTimeout);
  };

  private readonly onDrain = (): void => {
    this.exchange?.socketDrained();
  };

  private readonly onEnd = (): void => {
    const ex = this.exchange;
    if (ex === undefined) {
      this.destroy(undefined); // the server closed an idle keep-alive socket
      return;
    }
    const err = this.parser.endOfStream();
    this.destroy(err);
  };

  private readonly onTimeout = (): void => {
    const ex = this.exchange;
    if (!this.connected) {
      this.destroy(new UpstreamError('ERR_UPSTREAM_CONNECT_TIMEOUT', 'connecting to the upstream timed out'));
    } else if (ex === undefined) {
      this.destroy(undefined); // an idle socket outlived its inactivity limit
    } else {
      this.destroy(ex.timeoutError());
    }
  };

  private readonly onError = (err: Error): void => {
    this.destroy(err);
  };

  private readonly onClose = (): void => {
    this.destroy(undefined);
  };
}
