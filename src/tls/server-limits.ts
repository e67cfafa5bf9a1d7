// `listeners[].limits` as Node's HTTPS server enforces them: timeouts and sizes Node already
// implements are handed to it here, so no per-request code runs for them.
import type https from 'node:https';
import type { ListenerLimits } from '../config/types.js';

/** Options for https.createServer. */
export function limitServerOptions(limits: ListenerLimits): https.ServerOptions {
  // Node refuses headersTimeout > requestTimeout; a head cannot take longer than the whole request.
  const headersTimeout = Math.min(limits.headerTimeout, limits.requestTimeout);
  return {
    handshakeTimeout: limits.handshakeTimeout,
    headersTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    // Node answers 431 itself (clientError HPE_HEADER_OVERFLOW) past this many head bytes.
    maxHeaderSize: limits.maxHeaderSize,
    // Node checks the header and request deadlines on this period (30 s by default), so a
    // deadline would be overshot by up to that much. A tenth of the shorter deadline, 50 ms to 1 s:
    // one pass over the connection list per second at most.
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 10))),
  };
}

/** Settings that are server properties rather than constructor options. */
export function applyServerLimits(server: https.Server, limits: ListenerLimits): void {
  server.keepAliveTimeout = limits.keepAliveTimeout;
  // Past maxConnections, net.Server closes new sockets at accept and emits 'drop'.
  server.maxConnections = limits.maxConnections;
  // Node keeps only the first maxHeadersCount fields and drops the rest silently; keeping one
  // more than the limit lets the pipeline see that the limit was passed and answer 431
  // (request-limits.ts) instead of forwarding a request with fields missing.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
}
