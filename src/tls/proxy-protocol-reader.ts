// Reads the PROXY protocol header (proxy-protocol.ts) off each raw TCP connection of a listener
// before Node's TLS server sees a byte, then hands the socket over with the bytes after the header
// put back. The TLS handshake timeout starts at the hand-over; the header has its own, so a peer
// that trickles a header cannot hold a connection longer than `timeout`.
import type https from 'node:https';
import type { Socket } from 'node:net';
import type { ProxyProtocolConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { createRateLimitedLog } from '../observability/log-rate-limit.js';
import { parseProxyHeader } from './proxy-protocol.js';
import { setClientAddress } from './client-address.js';

type Rejection = 'untrusted_source' | 'malformed' | 'timeout' | 'missing';
type ConnectionListener = (socket: Socket) => void;

/** Must run right after the server is created: it takes over Node's own TLS 'connection' listener. */
export function readProxyHeaders(server: https.Server, name: string, config: ProxyProtocolConfig, logger: Logger, metrics: GatewayMetrics): void {
  const own = server.listeners('connection') as ConnectionListener[];
  if (own.length !== 1) throw new Error(`readProxyHeaders: expected only the TLS server's connection listener, found ${own.length}`);
  const startTls = own[0]!;
  server.removeListener('connection', startTls);
  const log = createRateLimitedLog(logger, metrics);
  const reject = (socket: Socket, reason: Rejection, detail: string): void => {
    metrics.proxyProtocolRejections.inc({ listener: name, reason });
    log.warn('proxy_protocol_rejected', reason, { listener: name, remote: socket.remoteAddress, detail }, 'connection closed: PROXY protocol header refused');
    socket.destroy();
  };
  server.on('connection', (socket: Socket) => readHeader(socket, config, reject, (s) => startTls.call(server, s)));
}

function readHeader(socket: Socket, config: ProxyProtocolConfig, reject: (s: Socket, r: Rejection, detail: string) => void, startTls: ConnectionListener): void {
  // The raw socket's errors (a reset mid-header) end it; after the hand-over TLS reports its own.
  socket.on('error', () => socket.destroy());
  const peer = socket.remoteAddress;
  // Reset before Node asked for the peer's address: nothing to read, nobody to answer.
  if (peer === undefined) return void socket.destroy();
  const trusted = isTrusted(config, peer);
  let received: Buffer = Buffer.alloc(0);
  const finish = (): void => {
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('close', onClose);
  };
  const timer = setTimeout(() => {
    finish();
    reject(socket, 'timeout', `no complete PROXY header within ${config.timeout} ms`);
  }, config.timeout);
  const onClose = (): void => finish();
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const result = parseProxyHeader(received, config.accept);
    if (result.kind === 'incomplete') {
      // The bytes so far begin a PROXY header: one from outside `from` is refused without waiting.
      if (!trusted) {
        finish();
        reject(socket, 'untrusted_source', `PROXY header from ${peer}, not in proxyProtocol.from`);
      }
      return;
    }
    finish();
    if (result.kind === 'absent') {
      if (config.required) return reject(socket, 'missing', 'connection did not start with a PROXY header');
      return handOver(socket, received, startTls);
    }
    // Only a listed load balancer may name the client; anyone else could claim any address.
    if (!trusted) return reject(socket, 'untrusted_source', `PROXY header from ${peer}, not in proxyProtocol.from`);
    if (result.kind === 'error') return reject(socket, 'malformed', result.reason);
    if (result.source) setClientAddress(socket, result.source.address);
    handOver(socket, received.subarray(result.consumed), startTls);
  };
  socket.on('data', onData);
  socket.on('close', onClose);
}

function handOver(socket: Socket, rest: Buffer, startTls: ConnectionListener): void {
  socket.pause();
  // TLSSocket feeds itself whatever the raw socket has buffered (Node's _tls_wrap.js, _init).
  if (rest.length > 0) socket.unshift(rest);
  startTls(socket);
}

function isTrusted(config: ProxyProtocolConfig, address: string): boolean {
  // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; `from` names them as IPv4.
  const v4 = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : undefined;
  return v4 !== undefined ? config.trustedSources.check(v4, 'ipv4') : config.trustedSources.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
