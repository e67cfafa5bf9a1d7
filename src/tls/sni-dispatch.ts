// Virtual hosts on one address: each raw TCP connection of a listener with `hosts` is held until its
// ClientHello has arrived (bounded in bytes and by the listener's handshake timeout), then handed,
// with the bytes put back, to the TLS server of the host its SNI names, or to the listener's own
// (the default host) for no SNI or an unknown name. Each host's server has its own certificate,
// client-auth mode, trust anchors and session-ticket keys: Node sets requestCert per tls.Server,
// not per SNI name, and a session never resumes on another host. A listener without `hosts` never
// runs this code.
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createRateLimitedLog } from '../observability/log-rate-limit.js';
import { MAX_CLIENT_HELLO_BYTES, readClientHelloSni } from './client-hello-sni.js';
import type { ServerNames } from './server-names.js';
import { clientAddress } from './client-address.js';

type ConnectionListener = (socket: Socket) => void;

/** Room for the record headers of a ClientHello split into many small records. */
const MAX_READ_BYTES = MAX_CLIENT_HELLO_BYTES + 1024;

export interface SniDispatchOptions {
  readonly listenerName: string;
  readonly handshakeTimeout: number;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

/**
 * Must run right after the listening server is created, before readProxyHeaders (which then hands
 * its sockets to this reader): it takes over Node's own TLS 'connection' listener.
 */
export function dispatchBySni(server: https.Server, hosts: ServerNames<https.Server>, opts: SniDispatchOptions): void {
  const own = server.listeners('connection') as ConnectionListener[];
  if (own.length !== 1) throw new Error(`dispatchBySni: expected only the TLS server's connection listener, found ${own.length}`);
  const startDefault = own[0]!;
  server.removeListener('connection', startDefault);
  const { listenerName: listener, metrics } = opts;
  const log = createRateLimitedLog(opts.logger, metrics);
  const refuse = (socket: Socket, reason: string, detail: string): void => {
    metrics.handshakeFailures.inc({ listener, reason: 'client_hello_invalid' });
    opts.logger.debug({ event: 'client_hello_refused', listener, reason, remote: clientAddress(socket) }, `connection closed: ${detail}`);
    socket.destroy();
  };
  const timedOut = (socket: Socket): void => {
    metrics.limitsReached.inc({ listener, limit: 'handshake_timeout' });
    metrics.handshakeFailures.inc({ listener, reason: 'ERR_TLS_HANDSHAKE_TIMEOUT' });
    log.warn('tls_handshake_failed', 'ERR_TLS_HANDSHAKE_TIMEOUT', { listener, remote: clientAddress(socket) }, 'no complete ClientHello within the handshake timeout');
    socket.destroy();
  };

  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    let received: Buffer = Buffer.alloc(0);
    const finish = (): void => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', finish);
    };
    const timer = setTimeout(() => {
      finish();
      timedOut(socket);
    }, opts.handshakeTimeout);
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const hello = readClientHelloSni(received);
      if (hello.kind === 'incomplete' && received.length <= MAX_READ_BYTES) return;
      finish();
      if (hello.kind !== 'complete') return refuse(socket, hello.kind === 'invalid' ? hello.reason : 'too large', 'not a TLS ClientHello');
      const host = hello.serverName === undefined ? undefined : hosts.lookup(hello.serverName);
      socket.pause();
      // The TLS socket reads whatever the raw socket has buffered first (Node's _tls_wrap.js, _init).
      socket.unshift(received);
      if (host === undefined) startDefault.call(server, socket);
      else host.emit('connection', socket);
    };
    socket.on('data', onData);
    socket.on('close', finish);
    // A socket from the PROXY-protocol reader arrives paused.
    socket.resume();
  });
}
