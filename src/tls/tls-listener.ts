// The listen stage: one HTTPS server per configured listener, with nginx's verify modes.
// The handshake completes even for a bad certificate (unless rejectAtHandshake), so that OAuth
// clients get an `invalid_client` JSON answer instead of a bare TLS alert.
import https from 'node:https';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { ListenerConfig } from '../config/types.js';
import type { TrustStore } from './trust-store.js';
import { DEFAULT_TLS12_CIPHERS } from './cipher-policy.js';
import { limitServerOptions, applyServerLimits } from './server-limits.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

function tlsOptions(listener: ListenerConfig, trust: TrustStore): https.ServerOptions & SecureContextOptions {
  const { clientAuth, tls } = listener;
  const requestCert = clientAuth.mode !== 'off';
  return {
    // One certificate per key type; OpenSSL picks the one the client's signature algorithms allow.
    cert: tls.alternates ? [tls.cert.pem, ...tls.alternates.map((c) => c.cert.pem)] : tls.cert.pem,
    key: tls.alternates ? [tls.keyPem, ...tls.alternates.map((c) => c.keyPem)] : tls.keyPem,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ciphers: tls.ciphers ?? DEFAULT_TLS12_CIPHERS,
    sessionTimeout: tls.sessionTimeout,
    requestCert,
    // An explicit (possibly empty) list: without `ca`, Node would trust every public root CA for
    // client certificates, which no optional_no_ca listener wants.
    ca: requestCert ? trust.pem : undefined,
    rejectUnauthorized: clientAuth.mode === 'require' && clientAuth.rejectAtHandshake,
  };
}

export function createTlsServer(listener: ListenerConfig, trust: TrustStore, handler: RequestHandler): https.Server {
  const server = https.createServer(
    {
      ...tlsOptions(listener, trust),
      noDelay: true,
      keepAlive: true,
      ...limitServerOptions(listener.limits),
    } as https.ServerOptions,
    handler,
  );
  applyServerLimits(server, listener.limits);
  // Node hands a CONNECT request over as a bare socket ('connect' event) and, with no listener,
  // destroys it without an answer. Answer it through the pipeline instead (which refuses it with
  // 405, method-policy.ts), then close: no tunnel is ever opened.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => answerWithoutTunnel(req, socket as Socket, handler));
  return server;
}

function answerWithoutTunnel(req: IncomingMessage, socket: Socket, handler: RequestHandler): void {
  socket.on('error', () => socket.destroy()); // the server's own error handler is detached by now
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    socket.end();
  });
  handler(req, res);
}

/**
 * Swaps the trust anchors of a running listener. setSecureContext builds a new context with new
 * session-ticket keys, so a session resumed from before the change cannot skip verification.
 */
export function reloadTrust(server: https.Server, listener: ListenerConfig, trust: TrustStore): void {
  server.setSecureContext(tlsOptions(listener, trust));
}
