// `host:port` and `[ipv6]:port`, as nginx and Envoy users write listen addresses.
import { isIP } from 'node:net';
import type { HostPort } from './types.js';

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const LISTEN_EXPECTED = "host:port or [ipv6]:port, e.g. '0.0.0.0:8443' or '[::1]:8443'";

/** The parsed address, or undefined when `text` is not host:port. Port 0 means any free port. */
export function parseListenAddress(text: string): HostPort | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const host = m[1]!;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  if (text.startsWith('[') ? isIP(host) !== 6 : !(isIP(host) === 4 || isHostname(host))) return undefined;
  return { host, port };
}

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text);
}
