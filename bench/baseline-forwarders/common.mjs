// Shared plumbing for the baseline forwarders: argument parsing, the mutual-TLS https server,
// the per-connection client-certificate header (computed once per TLS connection, as certgate
// does), and hop-by-hop header filtering. Every forwarder does the same work per request:
// copy the request headers minus hop-by-hop ones and minus any client-sent X-Client-Cert, add the
// gateway's X-Client-Cert (nginx's $ssl_client_escaped_cert format), stream the request body (if
// any) and the response body, copy response headers minus hop-by-hop ones.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { parseArgs } from 'node:util';

export function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '18446' },
      host: { type: 'string', default: '127.0.0.1' },
      upstream: { type: 'string', default: 'http://127.0.0.1:18080' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      connections: { type: 'string', default: '64' },
    },
  });
  for (const k of ['cert', 'key', 'ca']) if (!values[k]) throw new Error(`--${k} is required`);
  return { ...values, port: Number(values.port), connections: Number(values.connections) };
}

/** Same TLS job as nginx's ssl_verify_client on: require and verify a client certificate. */
export function createMtlsServer(opts, handler) {
  const server = https.createServer(
    {
      cert: readFileSync(opts.cert),
      key: readFileSync(opts.key),
      ca: readFileSync(opts.ca),
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      keepAliveTimeout: 75_000,
    },
    handler,
  );
  server.listen(opts.port, opts.host, () => {
    process.stdout.write(`listening https://${opts.host}:${opts.port}\n`);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
  return server;
}

const kCertHeader = Symbol('certHeader');
/** nginx's $ssl_client_escaped_cert: URL-encoded PEM of the leaf. Computed once per connection. */
export function clientCertHeader(req) {
  const sock = req.socket;
  let v = sock[kCertHeader];
  if (v === undefined) {
    const x = sock.getPeerX509Certificate();
    v = x ? encodeURIComponent(x.toString()) : '';
    sock[kCertHeader] = v;
  }
  return v;
}

// RFC 9110 7.6.1 hop-by-hop headers, plus the ones undici refuses; lower-case (Node lower-cases).
export const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'expect',
]);
const OWNED = new Set(['x-client-cert', 'x_client_cert']);

/** Request headers to send upstream, as a flat [name, value, ...] array (cheapest for undici). */
export function upstreamRequestHeaders(req) {
  const raw = req.rawHeaders;
  const out = [];
  const conn = req.headers.connection;
  const named = conn
    ? new Set(
        conn
          .toLowerCase()
          .split(',')
          .map((s) => s.trim()),
      )
    : null;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP.has(name) || OWNED.has(name) || (named !== null && named.has(name))) continue;
    out.push(name, raw[i + 1]);
  }
  out.push('x-client-cert', clientCertHeader(req));
  return out;
}

/** Same, as an object (what node:http's request() wants). */
export function upstreamRequestHeadersObject(req) {
  const flat = upstreamRequestHeaders(req);
  const o = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i];
    const prev = o[k];
    o[k] = prev === undefined ? flat[i + 1] : Array.isArray(prev) ? [...prev, flat[i + 1]] : [prev, flat[i + 1]];
  }
  return o;
}

export function hasBody(req) {
  return req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/** Response headers from an undici headers object (lower-case keys), hop-by-hop removed. */
export function downstreamHeadersFromObject(h) {
  const out = {};
  for (const k in h) if (!HOP.has(k)) out[k] = h[k];
  return out;
}

/** Response headers from undici's raw Buffer array, as a flat string array for writeHead. */
export function downstreamHeadersFromRaw(raw) {
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    if (HOP.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1].toString('latin1'));
  }
  return out;
}

export function badGateway(res, err) {
  if (!res.headersSent) {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'bad_gateway', code: 'UPSTREAM_UNAVAILABLE', error_description: String(err?.message ?? err) }));
  } else {
    res.destroy(err);
  }
}
