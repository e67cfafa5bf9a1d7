// Graceful drain of one listener: stop accepting, let in-flight requests finish, answer the next
// request on each keep-alive connection with `Connection: close` (RFC 9112 section 9.6), close
// connections that stay idle, and cut whatever is left at the deadline.
//
// Idle connections are not closed at the instant the drain starts (as http.Server#close does):
// a client may be sending its next request on that connection right then and would see a reset.
// A connection that gets a request while draining closes itself after the answer, so only those
// that stay idle for IDLE_GRACE_MS are closed by the gateway.
import net from 'node:net';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const IDLE_GRACE_MS = 500;

/** Node's own field: the response being written on a connection (unset while idle). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

export interface ConnectionDrain {
  /** Resolves when every connection is closed; `cut` is how many the deadline closed. */
  drain(timeoutMs: number): Promise<{ cut: number }>;
  readonly draining: boolean;
}

interface TrackOptions {
  readonly tls: boolean;
  /**
   * The servers of a listener's SNI hosts, which get its sockets handed over (tls/sni-dispatch.ts):
   * one drain for all, each raw socket counted once (on the listening server, which sees them all).
   */
  readonly handedTo?: readonly HttpServer[];
}

export function trackConnections(server: HttpServer, opts: TrackOptions): ConnectionDrain {
  const servers = [server, ...(opts.handedTo ?? [])];
  const raw = new Set<Socket>();
  const sockets = new Set<HttpSocket>();
  let draining = false;
  let requestedWhileDraining = new WeakSet<Socket>();
  let onEmpty: (() => void) | undefined;

  // The TLS socket is the one requests arrive on (the raw TCP one for a plain server).
  const onHttpSocket = (socket: HttpSocket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', (socket: Socket) => {
    raw.add(socket);
    socket.once('close', () => {
      raw.delete(socket);
      if (raw.size === 0) onEmpty?.();
    });
    if (!opts.tls) onHttpSocket(socket);
  });
  // One boolean test per request when not draining.
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!draining) return;
    res.shouldKeepAlive = false;
    requestedWhileDraining.add(req.socket);
  };
  for (const s of servers) {
    if (opts.tls) s.on('secureConnection', onHttpSocket);
    s.prependListener('request', onRequest);
  }

  return {
    get draining() {
      return draining;
    },
    drain(timeoutMs) {
      draining = true;
      requestedWhileDraining = new WeakSet();
      // net.Server#close stops accepting without http.Server#close's immediate closeIdleConnections.
      if (server.listening) net.Server.prototype.close.call(server);
      for (const s of sockets) {
        const res = s._httpMessage;
        if (res && !res.headersSent) res.shouldKeepAlive = false;
      }
      // http.Server#close, now that nothing is idle any more: it also stops Node's per-server
      // connection-checking interval (headersTimeout/requestTimeout).
      const done = (cut: number): { cut: number } => {
        for (const s of servers) s.close();
        return { cut };
      };
      return new Promise((resolve) => {
        if (raw.size === 0) return resolve(done(0));
        let idleAtLastSweep = new Set<Socket>();
        const sweep = setInterval(() => {
          const idle = new Set<Socket>();
          for (const s of sockets) {
            if (s._httpMessage || requestedWhileDraining.has(s)) continue;
            if (idleAtLastSweep.has(s)) s.destroy();
            else idle.add(s);
          }
          idleAtLastSweep = idle;
        }, IDLE_GRACE_MS);
        const finish = (cut: number): void => {
          clearInterval(sweep);
          clearTimeout(deadline);
          onEmpty = undefined;
          resolve(done(cut));
        };
        const deadline = setTimeout(() => {
          const cut = raw.size;
          for (const s of raw) s.destroy();
          finish(cut);
        }, timeoutMs);
        onEmpty = () => finish(0);
      });
    },
  };
}
