// RFC 9110 section 15.5.20: on a listener with SNI `hosts`, a request must name (in Host) the host
// its connection was made for, since that host's certificate, client-auth mode and trust anchors
// are what the connection was checked with. A connection made for a named host serves only its
// names; the default host serves every name except the other hosts' (today's behaviour for them).
import { GatewayError } from '../errors.js';
import { ServerNames } from '../tls/server-names.js';
import type { HostRuntime, ListenerRuntime, VirtualHostRuntime } from './listener-runtime.js';

export type MisdirectedCheck = (hostHeader: string | undefined) => GatewayError | undefined;

/** undefined for a listener without hosts: its requests pay nothing. `own` undefined is the default host. */
export function misdirectedCheck(listener: ListenerRuntime, own: VirtualHostRuntime | undefined): MisdirectedCheck | undefined {
  if (listener.hosts.length === 0) return undefined;
  const names = new ServerNames<HostRuntime>(listener.hosts.map((h) => [h.config.serverNames, h] as const));
  // The last Host value and its answer: a host's clients send the same few names on every request,
  // and one entry cannot grow whatever names a client sends.
  let lastHeader: string | undefined;
  let lastAllowed = false;
  return (hostHeader) => {
    if (hostHeader !== lastHeader || hostHeader === undefined) {
      lastAllowed = names.lookup(hostName(hostHeader ?? '')) === own;
      lastHeader = hostHeader;
    }
    return lastAllowed ? undefined : new GatewayError('MISDIRECTED_REQUEST', 'this connection was not made for the host the request names; open a new connection to it');
  };
}

/** The Host header's name: port stripped, lower-cased, without a trailing dot. */
function hostName(host: string): string {
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':');
  let name = (end > 0 ? host.slice(0, end) : host).toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}
