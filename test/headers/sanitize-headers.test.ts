import t from 'tap';
import { compileSanitizer, HOP_BY_HOP_HEADERS, ALWAYS_OWNED_HEADERS } from '../../src/headers/sanitize-headers.js';

// An upstream with a configured cert header, chain header and basic-auth header.
const sanitizer = compileSanitizer({ ownedHeaders: ['X-Client-Cert', 'X-Client-Cert-Chain', 'Authorization'] });

interface Case {
  readonly name: string;
  readonly raw: string[];
  readonly headers: string[];
  readonly stripped?: string[];
  readonly host?: string;
}

const cases: Case[] = [
  { name: 'plain headers pass in order, original case', raw: ['Accept', 'a/b', 'User-Agent', 'ua', 'accept', 'c/d'],
    headers: ['Accept', 'a/b', 'User-Agent', 'ua', 'accept', 'c/d'] },
  { name: 'cert header, every case variant and duplicate',
    raw: ['X-Client-Cert', 'a', 'x-client-cert', 'b', 'X-CLIENT-CERT', 'c', 'X-Real', 'keep'],
    headers: ['X-Real', 'keep'], stripped: ['X-Client-Cert', 'x-client-cert', 'X-CLIENT-CERT'] },
  { name: 'underscore spellings', raw: ['x_client_cert', 'a', 'X_Client-Cert', 'b', 'X-CLIENT_CERT_CHAIN', 'c'],
    headers: [], stripped: ['x_client_cert', 'X_Client-Cert', 'X-CLIENT_CERT_CHAIN'] },
  { name: 'chain header', raw: ['X-Client-Cert-Chain', 'a'], headers: [], stripped: ['X-Client-Cert-Chain'] },
  { name: 'info headers', raw: ['X-Client-Verify', 'SUCCESS', 'x-client-subject-dn', 'CN=admin', 'X_CLIENT_CERT_THUMBPRINT', 't'],
    headers: [], stripped: ['X-Client-Verify', 'x-client-subject-dn', 'X_CLIENT_CERT_THUMBPRINT'] },
  { name: 'always-owned: RFC 9440, XFCC, signatures, forwarding',
    raw: ['Client-Cert', ':AA==:', 'client-cert-chain', ':AA==:', 'X-Forwarded-Client-Cert', 'Hash=1', 'Signature', 's',
      'Signature-Input', 'i', 'X-Forwarded-For', '1.2.3.4', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'h',
      'Forwarded', 'for=1.2.3.4'],
    headers: [], stripped: ['Client-Cert', 'client-cert-chain', 'X-Forwarded-Client-Cert', 'Signature', 'Signature-Input',
      'X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'Forwarded'] },
  { name: 'upstream-auth header the gateway sets', raw: ['authorization', 'Basic eA=='], headers: [], stripped: ['authorization'] },
  { name: 'not owned: a longer name with an owned prefix', raw: ['x-client-cert-foo', 'v', 'X-Client-Certificate', 'w'],
    headers: ['x-client-cert-foo', 'v', 'X-Client-Certificate', 'w'] },
  { name: 'empty values: owned still stripped, others kept', raw: ['X-Client-Cert', '', 'X-Empty', ''],
    headers: ['X-Empty', ''], stripped: ['X-Client-Cert'] },
  { name: 'hop-by-hop removed silently',
    raw: ['Connection', 'keep-alive', 'Keep-Alive', 'timeout=5', 'Proxy-Connection', 'x', 'TE', 'trailers', 'Trailer', 'X',
      'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Proxy-Authorization', 'Basic x', 'Expect', '100-continue', 'A', '1'],
    headers: ['A', '1'] },
  { name: 'host removed, value returned; first wins', raw: ['Host', 'as.example.com:8443', 'A', '1', 'host', 'evil'],
    headers: ['A', '1'], host: 'as.example.com:8443' },
  { name: 'HTTP/2 pseudo-headers removed, :authority is the host fallback',
    raw: [':method', 'GET', ':authority', 'h2.example', ':path', '/', 'A', '1'], headers: ['A', '1'], host: 'h2.example' },
  { name: 'content-length passes', raw: ['Content-Length', '12', 'Content-Type', 'text/plain'],
    headers: ['Content-Length', '12', 'Content-Type', 'text/plain'] },
  { name: 'Connection-named headers removed, before and after it, any case',
    raw: ['X-Foo', '1', 'Connection', 'close, X-FOO , x-bar', 'x-bar', '2', 'X-Baz', '3'], headers: ['X-Baz', '3'] },
  { name: 'several Connection headers accumulate', raw: ['Connection', 'x-a', 'connection', 'x-b', 'X-A', '1', 'X-B', '2', 'X-C', '3'],
    headers: ['X-C', '3'] },
  { name: 'Connection: host only removes (host still returned for routing)', raw: ['Connection', 'host', 'Host', 'h.example', 'A', '1'],
    headers: ['A', '1'], host: 'h.example' },
  { name: 'Connection: x-client-cert cannot un-strip or add; owned still reported',
    raw: ['Connection', 'x-client-cert', 'X-Client-Cert', 'forged'], headers: [], stripped: ['X-Client-Cert'] },
  { name: 'Connection cannot remove content-length (body framing)', raw: ['Connection', 'content-length', 'Content-Length', '3'],
    headers: ['Content-Length', '3'] },
  { name: 'Connection with empty tokens', raw: ['Connection', ' , ,', 'A', '1'], headers: ['A', '1'] },
  { name: 'no headers', raw: [], headers: [] },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const r = sanitizer.apply(c.raw);
    t.same(r.headers, c.headers, 'forwarded headers');
    t.same(r.stripped, c.stripped, 'stripped');
    t.equal(r.host, c.host, 'host');
  });
}

t.test('the common case allocates no stripped list', async (t) => {
  const r = sanitizer.apply(['Host', 'x', 'Accept', '*/*']);
  t.equal(r.stripped, undefined);
});

t.test('results are stable across calls (name cache)', async (t) => {
  const raw = ['X-Client-Cert', 'a', 'Accept', 'b'];
  for (let i = 0; i < 3; i++) t.same(sanitizer.apply(raw), { headers: ['Accept', 'b'], stripped: ['X-Client-Cert'], host: undefined });
});

t.test('every always-owned and hop-by-hop name is removed by a sanitizer with no extra owned headers', async (t) => {
  const bare = compileSanitizer({ ownedHeaders: [] });
  for (const name of [...ALWAYS_OWNED_HEADERS, ...HOP_BY_HOP_HEADERS]) {
    t.same(bare.apply([name.toUpperCase(), 'v']).headers, [], name);
  }
  // The well-known certificate headers of other proxies are owned everywhere...
  t.same(bare.apply(['X-Client-Cert', 'v', 'X-SSL-Cert', 'v', 'X-Forwarded-Tls-Client-Cert', 'v']).headers, []);
  // ...but a custom header name another upstream is configured with is not owned here.
  t.same(bare.apply(['X-Acme-Peer-Cert', 'v']).headers, ['X-Acme-Peer-Cert', 'v']);
});

t.test('owned header names configured with underscores or odd case match all spellings', async (t) => {
  const s = compileSanitizer({ ownedHeaders: ['SSL_CLIENT_CERT'] });
  t.same(s.apply(['ssl-client-cert', 'a', 'Ssl_Client-Cert', 'b', 'ssl-client-certs', 'c']).headers, ['ssl-client-certs', 'c']);
});

t.test('many distinct names do not break classification once the cache is full', async (t) => {
  const raw: string[] = [];
  for (let i = 0; i < 3000; i++) raw.push(`X-Random-${i}`, 'v');
  raw.push('X-Client-Cert', 'forged');
  const r = sanitizer.apply(raw);
  t.equal(r.headers.length, 6000);
  t.same(r.stripped, ['X-Client-Cert']);
  t.same(sanitizer.apply(['X_CLIENT_CERT', 'f']).stripped, ['X_CLIENT_CERT']);
});
