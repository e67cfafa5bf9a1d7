// Response side of RFC 9110 section 7.6.1: hop-by-hop fields, and every field the upstream named
// in its Connection header, stop at the gateway. Node sets its own framing headers.
import type { OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export function filterResponseHeaders(headers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const connection = headers['connection'];
  const named = connection ? connectionTokens(connection) : undefined;
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || named?.has(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function connectionTokens(value: string | string[]): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : value;
  const set = new Set<string>();
  for (const token of joined.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) set.add(t);
  }
  return set;
}
