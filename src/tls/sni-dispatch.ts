// Virtual hosts on one address: each raw TCP connection of a listener with `hosts` is held until its
// ClientHello has arrived (bounded in bytes and by the listener's handshake timeout), then handed,
// with the bytes put back, to the TLS server of the host its SNI names, or to the listener's own
// (the default host) for no SNI or an unknown name. Each host's server has its own certificate,
// client-auth mode, trust anchors and session-ticket keys: Node sets requestCert per tls.Server,
// not per SNI name, and a session never resumes on another host. A listener without `hosts` never
// runs this code.
import { Buffer } from 'node:buffer';
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

  // Sockets waiting for their ClientHello, oldest first: every one gets the same timeout, so
  // insertion order is deadline order and one timer, set for the oldest, serves them all (a
  // setTimeout and clearTimeout per connection cost more than the rest of the dispatch).
  const pending = new Map<Socket, Pending>();
  let sweep: NodeJS.Timeout | undefined;
  const armSweep = (deadline: number): void => {
    // unref: a waiting socket keeps the process alive by itself.
    sweep = setTimeout(expire, Math.max(1, Math.ceil(deadline - performance.now()))).unref();
  };
  const expire = (): void => {
    sweep = undefined;
    const now = performance.now();
    for (const [socket, waiting] of pending) {
      if (waiting.deadline > now) return armSweep(waiting.deadline);
      release(socket);
      timedOut(socket);
    }
  };
  // One set of listener functions for every socket (`this` is the socket): no closures per connection.
  function release(socket: Socket): void {
    pending.delete(socket);
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
  }
  function onClose(this: Socket): void {
    pending.delete(this);
  }
  function onData(this: Socket, chunk: Buffer): void {
    const waiting = pending.get(this);
    if (waiting === undefined) return;
    const received = waiting.received === undefined ? chunk : Buffer.concat([waiting.received, chunk]);
    const hello = readClientHelloSni(received);
    if (hello.kind === 'incomplete' && received.length <= MAX_READ_BYTES) {
      waiting.received = received;
      return;
    }
    release(this);
    if (hello.kind !== 'complete') return refuse(this, hello.kind === 'invalid' ? hello.reason : 'too large', 'not a TLS ClientHello');
    const host = hello.serverName === undefined ? undefined : hosts.lookup(hello.serverName);
    this.pause();
    // The TLS socket reads whatever the raw socket has buffered first (Node's _tls_wrap.js, _init),
    // and from then on reports the raw socket's errors itself.
    this.unshift(received);
    this.removeListener('error', destroyOnError);
    if (host === undefined) startDefault.call(server, this);
    else host.emit('connection', this);
  }

  server.on('connection', (socket: Socket) => {
    socket.on('error', destroyOnError);
    const deadline = performance.now() + opts.handshakeTimeout;
    pending.set(socket, { deadline, received: undefined });
    if (sweep === undefined) armSweep(deadline);
    socket.on('data', onData);
    socket.on('close', onClose);
    // A socket from the PROXY-protocol reader arrives paused ('data' resumes any other).
    if (socket.readableFlowing !== true) socket.resume();
  });
}

interface Pending {
  readonly deadline: number;
  /** The bytes of an incomplete ClientHello so far. */
  received: Buffer | undefined;
}

function destroyOnError(this: Socket): void {
  this.destroy();
}
