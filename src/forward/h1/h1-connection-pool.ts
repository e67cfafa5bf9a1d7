// Connections to one upstream origin: at most `connections` sockets, idle ones reused last-in
// first-out (the warmest socket, and the cold ones reach their keep-alive timeout and close), and
// a first-in first-out queue of exchanges when every socket is busy.
import { H1Connection, type ConnectionOwner, type ConnectionSettings } from './h1-connection.js';
import { H1Error } from './h1-errors.js';
import type { H1Exchange } from './h1-exchange.js';

const SWEEP_INTERVAL = 500;

export class H1ConnectionPool implements ConnectionOwner {
  private readonly idle: H1Connection[] = [];
  private readonly all = new Set<H1Connection>();
  private queue: H1Exchange[] = [];
  private queueHead = 0;
  private closed = false;
  private sweeper: NodeJS.Timeout | undefined;
  private drained: (() => void) | undefined;

  constructor(readonly settings: ConnectionSettings) {}

  dispatch(exchange: H1Exchange): void {
    if (this.closed) {
      exchange.connectionFailed(new H1Error('UND_ERR_CLOSED', 'upstream client is closed'), undefined);
      return;
    }
    const conn = this.idle.pop();
    if (conn !== undefined) conn.assign(exchange);
    else if (this.all.size < this.settings.connections) this.open(exchange);
    else this.queue.push(exchange);
  }

  /**
   * A reused socket failed before any response byte: the server most likely closed it as we
   * wrote (the keep-alive race). One more try on a new socket; the failed one is already gone,
   * so the connection limit still holds.
   */
  retry(exchange: H1Exchange): void {
    if (this.closed) exchange.connectionFailed(new H1Error('UND_ERR_CLOSED', 'upstream client is closed'), undefined);
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
   * Like undici's Pool.close(): no new exchanges, queued ones fail, idle sockets close now and busy
   * ones when their response is done. Resolves when every socket is gone.
   */
  close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    const queued = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const ex of queued) {
      if (!ex.finished) ex.connectionFailed(new H1Error('UND_ERR_CLOSED', 'upstream client is closed'), undefined);
    }
    for (const conn of [...this.idle]) conn.destroy(undefined);
    if (this.all.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  /** Ends every socket at once, in-flight exchanges included (they fail with UND_ERR_CLOSED). */
  destroy(): void {
    void this.close();
    for (const conn of [...this.all]) conn.destroy(new H1Error('UND_ERR_CLOSED', 'upstream client is closed'));
  }

  private open(exchange: H1Exchange): void {
    this.all.add(new H1Connection(this, exchange));
  }

  /** Oldest waiting exchange whose client is still there. */
  private nextQueued(): H1Exchange | undefined {
    while (this.queueHead < this.queue.length) {
      const ex = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      if (!ex.finished) return ex;
    }
    if (this.queueHead > 0) {
      this.queue = [];
      this.queueHead = 0;
    }
    return undefined;
  }
}
