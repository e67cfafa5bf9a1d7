// What a listener does with connections that fail or overstay before (or between) requests:
// refused at maxConnections, TLS handshakes that fail or time out, renegotiation attempts,
// requests Node's parser refuses, idle bodies and idle keep-alive connections. Every event is
// counted in full; log lines are rate limited per reason (5,000 idle connections must not write
// 5,000 lines: issue 7, finding 6). Nothing here may throw: these run outside any request.
import http from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ListenerConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createRateLimitedLog } from '../observability/log-rate-limit.js';
import { GatewayError } from '../errors.js';
import { rawErrorResponse, sendError } from '../pipeline/error-response.js';
import { takeIdleBody } from '../pipeline/body-idle-timeout.js';
import { clientAddress } from './client-address.js';

/** A socket whose close was decided by the gateway gets this long to flush its answer. */
const ANSWER_FLUSH_MS = 5_000;

interface DropInfo {
  readonly remoteAddress?: string;
}

/** Node's own socket fields the guards read (documented behaviour, private names). */
type HttpSocket = Duplex & { _httpMessage?: http.ServerResponse | null; remoteAddress?: string };

export function guardListener(server: https.Server, listener: ListenerConfig, logger: Logger, metrics: GatewayMetrics): void {
  const name = listener.name;
  const log = createRateLimitedLog(logger, metrics);
  const limitReached = (limit: string): void => metrics.limitsReached.inc({ listener: name, limit });

  server.on('drop', (data?: DropInfo) => {
    limitReached('connections');
    metrics.handshakeFailures.inc({ listener: name, reason: 'connection_limit' });
    log.warn(
      'connection_refused',
      'max_connections',
      { listener: name, remote: data?.remoteAddress, maxConnections: listener.limits.maxConnections },
      'connection refused: listener at maxConnections',
    );
  });

  // RFC 5746 renegotiation initiated by a client costs the server a handshake each time (a
  // CPU amplification) and has a history of injection bugs: the first attempt fails the connection.
  server.on('secureConnection', (socket: TLSSocket) => socket.disableRenegotiation());

  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
    const reason = err.code ?? 'unknown';
    metrics.handshakeFailures.inc({ listener: name, reason });
    if (reason === 'ERR_TLS_HANDSHAKE_TIMEOUT') limitReached('handshake_timeout');
    log.warn('tls_handshake_failed', reason, { listener: name, code: err.code, message: err.message, remote: clientAddress(socket) }, 'TLS handshake failed');
    socket.destroy();
  });

  server.on('clientError', (err: Error & { code?: string }, socket: HttpSocket) => {
    try {
      answerClientError(err, socket);
    } catch {
      socket.destroy();
    }
  });

  const answerClientError = (err: Error & { code?: string }, socket: HttpSocket): void => {
    const code = err.code ?? 'unknown';
    let answer: GatewayError;
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // No response in flight: the head never completed. Otherwise the body did not arrive in time.
      const limit = socket._httpMessage ? 'request_timeout' : 'header_timeout';
      limitReached(limit);
      log.warn('request_timeout', limit, { listener: name, remote: clientAddress(socket) }, 'request not received in time');
      answer = new GatewayError('REQUEST_TIMEOUT', limit === 'header_timeout' ? 'request head not received in time' : 'request not received in time');
    } else if (code === 'HPE_HEADER_OVERFLOW') {
      limitReached('header_size');
      log.warn('client_error', code, { listener: name, remote: clientAddress(socket) }, 'request head too large');
      answer = new GatewayError('HEADERS_TOO_LARGE', `request head larger than ${listener.limits.maxHeaderSize} bytes`);
    } else if (code.startsWith('HPE_')) {
      metrics.malformedRequests.inc({ listener: name, reason: code });
      log.warn('client_error', code, { listener: name, remote: clientAddress(socket), message: err.message }, 'malformed request');
      answer = new GatewayError('BAD_REQUEST', 'malformed request');
    } else {
      if (code === 'ERR_TLS_RENEGOTIATION_DISABLED') {
        metrics.handshakeFailures.inc({ listener: name, reason: 'renegotiation' });
        log.warn('tls_renegotiation_refused', code, { listener: name, remote: clientAddress(socket) }, 'client-initiated TLS renegotiation refused');
      }
      // Handshake failures are counted by tlsClientError; resets and the like need no answer.
      socket.destroy();
      return;
    }
    const inFlight = socket._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(rawErrorResponse(answer), () => socket.destroy());
    setTimeout(() => socket.destroy(), ANSWER_FLUSH_MS).unref();
  };

  // Node's 'timeout' on the server: a request body that went idle (body-idle-timeout.ts) or an
  // idle keep-alive connection. With a listener here Node leaves the socket to us.
  server.on('timeout', (socket: Socket) => {
    const res = takeIdleBody(socket);
    if (res === undefined) {
      limitReached('keep_alive_timeout');
      socket.destroy();
      return;
    }
    limitReached('body_idle_timeout');
    log.warn('request_timeout', 'body_idle_timeout', { listener: name, remote: clientAddress(socket) }, 'request body idle for too long');
    if (res.headersSent) {
      socket.destroy();
      return;
    }
    try {
      res.shouldKeepAlive = false;
      sendError(res, new GatewayError('REQUEST_TIMEOUT', `no request body data for ${listener.limits.bodyIdleTimeout} ms`));
    } catch {
      socket.destroy();
    }
  });
}
