// The one place the TLS options for an upstream connection are built, from the upstream's
// config: always verified (RFC 9110 section 4.3.4), trust from `tls.ca` (Node's default CAs
// otherwise), SNI from `tls.servername` or the URL's DNS name, and whatever the upstream-auth
// strategies add (the gateway's client certificate).
import type { ConnectionOptions } from 'node:tls';
import type { UpstreamConfig } from '../config/types.js';

/** undefined for an http:// upstream. Also the options of the token introspection client (src/token-binding/). */
export function upstreamTlsOptions(upstream: Pick<UpstreamConfig, 'url' | 'tls' | 'authentication'>): ConnectionOptions | undefined {
  if (upstream.url.protocol !== 'https:') return undefined;
  const t = upstream.tls;
  const host = upstreamHost(upstream.url);
  const options: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(t?.ca ? { ca: t.ca.pem } : {}),
    // SNI carries a DNS name only (RFC 6066 section 3), never an IP literal.
    servername: t?.servername ?? (isIp(host) ? undefined : host),
  };
  for (const auth of upstream.authentication) if (auth.tls) Object.assign(options, auth.tls);
  return options;
}

/** The URL's host as net.connect wants it: URL keeps IPv6 literals in brackets. */
export function upstreamHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function isIp(host: string): boolean {
  return host.includes(':') || /^[0-9.]+$/.test(host);
}
