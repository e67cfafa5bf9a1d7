// Connections to one upstream origin: at most `connections` sockets, idle ones reused last-in
// first-out (the warmest socket, and the cold ones reach their keep-alive timeout and close), and
// a first-in first-out queue of exchanges when every socket is busy. The queue is bounded
// (`pool.queue`; past it UPSTREAM_BUSY), a waiting exchange's response deadline runs from when it
// was queued (one that waited past it is answered 504 and never sent), and an exchange whose
// client left is taken out at once (issue 7 finding 2: an unbounded queue with timers started at
// dispatch let one connection's pipelined requests starve everyone for 40 s).
import { performance } from 'node:perf_hooks';
import { H1Connection, type ConnectionOwner, type ConnectionSettings } from './h1-connection.js';
import { UpstreamError } from '../upstream-errors.js';
import type { H1Exchange } from './h1-exchange.js';

const SWEEP_INTERVAL = 500;

export class H1ConnectionPool implements ConnectionOwner {
  private readonly idle: H1Connection[] = [];
  private readonly all = new Set<H1Connection>();
  /** waiting exchanges, oldest first: an intrusive list, so removal is O(1) and allocates nothing */
  private first: H1Exchange | undefined;
  private last: H1Exchange | undefined;
  private queued = 0;
  private expiry: NodeJS.Timeout | undefined;
  private closed = false;
  private sweeper: NodeJS.Timeout | undefined;
  private drained: (() => void) | undefined;

  constructor(readonly settings: ConnectionSettings) {}

  dispatch(exchange: H1Exchange): void {
    if (this.closed) {
      exchange.connectionFailed(new UpstreamError('ERR_UPSTREAM_CLIENT_CLOSED', 'upstream client is closed'), undefined);
      return;
    }
    const conn = this.idle.pop();
    if (conn !== undefined) conn.assign(exchange);
    else if (this.all.size < this.settings.connections) this.open(exchange);
    else if (this.queued >= this.settings.queue) exchange.connectionFailed(new UpstreamError('ERR_UPSTREAM_QUEUE_FULL', 'upstream queue is full'), undefined);
    else this.enqueue(exchange);
  }

  /**
   * A reused socket failed before any response byte: the server most likely closed it as we
   * wrote (the keep-alive race). One more try on a new socket; the failed one is already gone,
   * so the connection limit still holds.
   */
  retry(exchange: H1Exchange): void {
    if (this.closed) exchange.connectionFailed(new UpstreamError('ERR_UPSTREAM_CLIENT_CLOSED', 'upstream client is closed'), undefined);
    else this.open(exchange);
  }

  connectionIdle(conn: H1Connection): void {
    if (this.closed) {
      conn.destroy(undefined);
      return;
    }
    const next = this.nextQueued();
    if (next !== undefined) {
      conn.assign(next);
      return;
    }
    this.idle.push(conn);
    if (this.sweeper === undefined) this.sweeper = setInterval(this.sweep, SWEEP_INTERVAL).unref();
  }

  /**
   * Closes sockets idle for longer than the keep-alive timeout (servers close theirs after a few
   * seconds; ours should go first rather than race them). The idle list is LIFO, so the oldest
   * are at its start.
   */
  private readonly sweep = (): void => {
    const limit = Date.now() - this.settings.keepAliveTimeout;
    while (this.idle.length > 0 && this.idle[0]!.idleSince <= limit) this.idle[0]!.destroy(undefined);
    if (this.idle.length === 0 && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };

  connectionGone(conn: H1Connection): void {
    this.all.delete(conn);
    const i = this.idle.lastIndexOf(conn);
    if (i !== -1) this.idle.splice(i, 1);
    if (this.closed && this.all.size === 0) this.drained?.();
    if (!this.closed && this.all.size < this.settings.connections) {
      const next = this.nextQueued();
      if (next !== undefined) this.open(next);
    }
  }

  /**
   * No new exchanges, queued ones fail, idle sockets close now and busy
   * ones when their response is done. Resolves when every socket is gone.
   */
  close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    for (let ex = this.takeFirst(); ex !== undefined; ex = this.takeFirst()) {
      if (!ex.finished) ex.connectionFailed(new UpstreamError('ERR_UPSTREAM_CLIENT_CLOSED', 'upstream client is closed'), undefined);
    }
    for (const conn of [...this.idle]) conn.destroy(undefined);
    if (this.all.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** Ends every socket at once, in-flight exchanges included (they fail with ERR_UPSTREAM_CLIENT_CLOSED). */
  destroy(): void {
    void this.close();
    for (const conn of [...this.all]) conn.destroy(new UpstreamError('ERR_UPSTREAM_CLIENT_CLOSED', 'upstream client is closed'));
  }

  private open(exchange: H1Exchange): void {
    this.all.add(new H1Connection(this, exchange));
  }

  /** Oldest waiting exchange still within its response deadline; the expired ones are answered 504. */
  private nextQueued(): H1Exchange | undefined {
    const now = performance.now();
    for (let ex = this.takeFirst(); ex !== undefined; ex = this.takeFirst()) {
      if (now - ex.queuedAt < this.settings.responseTimeout) return ex;
      ex.connectionFailed(queueTimeout(), undefined);
    }
    return undefined;
  }

  private enqueue(ex: H1Exchange): void {
    ex.queuedAt = performance.now();
    ex.inQueue = true;
    ex.prevQueued = this.last;
    ex.nextQueued = undefined;
    if (this.last === undefined) this.first = ex;
    else this.last.nextQueued = ex;
    this.last = ex;
    this.queued++;
    if (this.expiry === undefined) this.armExpiry(ex);
  }

  /** Takes a waiting exchange out of the queue (its client left, or its turn came). */
  removeQueued(ex: H1Exchange): void {
    if (!ex.inQueue) return;
    ex.inQueue = false;
    const prev = ex.prevQueued;
    const next = ex.nextQueued;
    if (prev === undefined) this.first = next;
    else prev.nextQueued = next;
    if (next === undefined) this.last = prev;
    else next.prevQueued = prev;
    ex.prevQueued = ex.nextQueued = undefined;
    this.queued--;
  }

  private takeFirst(): H1Exchange | undefined {
    const ex = this.first;
    if (ex !== undefined) this.removeQueued(ex);
    return ex;
  }

  /**
   * One timer for the whole queue, set for the oldest exchange's deadline: exchanges that wait
   * that long while every connection stays busy are answered 504 without being sent.
   */
  private armExpiry(oldest: H1Exchange): void {
    const wait = Math.max(1, Math.ceil(oldest.queuedAt + this.settings.responseTimeout - performance.now()));
    this.expiry = setTimeout(this.expire, wait).unref();
  }

  private readonly expire = (): void => {
    this.expiry = undefined;
    const now = performance.now();
    while (this.first !== undefined && now - this.first.queuedAt >= this.settings.responseTimeout) {
      this.takeFirst()!.connectionFailed(queueTimeout(), undefined);
    }
    if (this.first !== undefined) this.armExpiry(this.first);
  };
}

function queueTimeout(): UpstreamError {
  return new UpstreamError('ERR_UPSTREAM_QUEUE_TIMEOUT', 'no upstream connection became free within the response timeout');
}
