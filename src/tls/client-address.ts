// The one answer to "which address is the client of this connection": the PROXY protocol header's
// source when the listener reads one (proxy-protocol-reader.ts), else the TCP peer. Everything that
// names the client (X-Forwarded-For, X-Real-IP, the access log's `remote`, log lines) asks here.
import type { Socket } from 'node:net';

const kClientAddress = Symbol('certgate.clientAddress');

/** A raw TCP, TLS or HTTP-side socket: anything with Node's `remoteAddress`. */
interface PeerSocket {
  readonly remoteAddress?: string | undefined;
}

type AddressedSocket = PeerSocket & { [kClientAddress]?: string; _parent?: AddressedSocket | null };

/** Records the client named by a PROXY header on the raw TCP socket, before TLS wraps it. */
export function setClientAddress(rawSocket: Socket, address: string): void {
  (rawSocket as AddressedSocket)[kClientAddress] = address;
}

/**
 * The client's address for a raw or a TLS socket. A TLS socket made by the server over an
 * already-read TCP socket keeps that socket as `_parent` (Node's _tls_wrap.js). Read once per
 * connection (connection-context.ts caches it); the guards call it only on rare events.
 */
export function clientAddress(socket: PeerSocket): string {
  const s = socket as AddressedSocket;
  return s[kClientAddress] ?? s._parent?.[kClientAddress] ?? socket.remoteAddress ?? '';
}
