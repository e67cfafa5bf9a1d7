// RFC 9421 signed forwarding over real sockets: the gateway signs every request it forwards to an
// upstream with `signature` (also those without a client certificate), and a real upstream
// verifies each one with `certgate/verify` (the built package), for all three algorithms and three
// header formats. Then the upstream side is tampered with, and the published keys are used.
import t from 'tap';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CertgateVerifyError, createReplayCache, importJwks, verifyForwardedRequest } from 'certgate/verify';
import type { ForwardedIdentity, VerifyOptions } from 'certgate/verify';
import { checkConfig } from '../../src/config/load-config.js';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { encodeCertHeader } from '../../src/wire/header-codecs.js';
import { CLIENT_SUBJECT, makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir, type ReceivedRequest, writeFiles } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await tempDir('certgate-signed-');
const pem = (k: import('node:crypto').KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }) as string;
const hmacSecret = randomBytes(32);
const files: Record<string, string> = {
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'ca.pem': pki.rootCa.certPem,
  'ed25519.pem': pem(generateKeyPairSync('ed25519').privateKey),
  'p256.pem': pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  'hmac.key': hmacSecret.toString('base64'),
};
await writeFiles(dir, files);

/** A request as the body-signing upstream received it, body bytes included. */
interface BodyRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly body: Buffer;
}
const bodyReceived: BodyRequest[] = [];
const bodyUpstream = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodyReceived.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
    res.end('{}');
  });
});
await new Promise<void>((r) => bodyUpstream.listen(0, '127.0.0.1', r));
const bodyUrl = `http://127.0.0.1:${(bodyUpstream.address() as import('node:net').AddressInfo).port}`;

const up = { ed: await startRecordingUpstream(), ec: await startRecordingUpstream(), hmac: await startRecordingUpstream(), plain: await startRecordingUpstream() };
const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
upstreams:
  ed:
    url: ${up.ed.url}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded, chainHeader: X-Client-Cert-Chain }
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: gw-ed }
  ec:
    url: ${up.ec.url}
    clientCert: { header: X-SSL-Client-Cert, format: der-base64 }
    signature: { alg: ecdsa-p256-sha256, keyFile: p256.pem, keyId: gw-ec, expiresIn: 60s }
  hmac:
    url: ${up.hmac.url}
    clientCert: { header: X-Forwarded-Client-Cert, format: xfcc }
    signature: { alg: hmac-sha256, keyFile: hmac.key, keyId: gw-hmac }
  plain: { url: ${up.plain.url} }
  body:
    url: ${bodyUrl}
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: gw-body, digestMaxBody: 1kb }
routes:
  - { name: token, match: { pathPrefix: /as/ }, upstream: body, clientCert: optional }
  - { name: upload, match: { pathPrefix: /upload/ }, upstream: body, clientCert: optional, signature: { largeBodies: unsigned-body } }
  - { name: ed, match: { pathPrefix: /ed/ }, upstream: ed, clientCert: optional }
  - { name: ec, match: { pathPrefix: /ec/ }, upstream: ec, clientCert: optional }
  - { name: hmac, match: { pathPrefix: /hmac/ }, upstream: hmac, clientCert: optional }
  - { name: plain, match: { pathPrefix: / }, upstream: plain, clientCert: optional }
`,
);
t.teardown(async () => {
  await gw.close();
  await Promise.all(Object.values(up).map((u) => u.close()));
  bodyUpstream.closeAllConnections();
  await new Promise<void>((r) => bodyUpstream.close(() => r()));
});

const jwks = (await (await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/.well-known/certgate-keys`)).json()) as { keys: Array<Record<string, unknown>> };
const published = importJwks(jwks);

interface Case {
  readonly name: 'ed' | 'ec' | 'hmac';
  readonly alg: string;
  readonly certHeader: string;
  readonly opts: VerifyOptions;
}
const cases: Case[] = [
  { name: 'ed', alg: 'ed25519', certHeader: 'x-client-cert', opts: { keys: published, maxAge: 30, format: 'pem-urlencoded', chainHeader: 'X-Client-Cert-Chain' } },
  { name: 'ec', alg: 'ecdsa-p256-sha256', certHeader: 'x-ssl-client-cert', opts: { keys: published, maxAge: 30, format: 'der-base64', certHeader: 'X-SSL-Client-Cert' } },
  // HMAC secrets are never published: the upstream has the secret out of band.
  { name: 'hmac', alg: 'hmac-sha256', certHeader: 'x-forwarded-client-cert', opts: { keys: { 'gw-hmac': hmacSecret }, maxAge: 30, format: 'xfcc' } },
];
const ca = pki.rootCa.certPem;
const leaf = pki.clientViaIntermediate;

async function forward(c: Case, withCert: boolean, extraHeaders: Record<string, string> = {}): Promise<ReceivedRequest> {
  const u = up[c.name];
  const before = u.received.length;
  const res = await mtlsRequest({
    port: gw.port(),
    ca,
    ...(withCert ? { cert: chainPem(leaf), key: leaf.keyPem } : {}),
    method: 'POST',
    path: `/${c.name}/token?scope=api&x=1`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders },
    body: 'grant_type=client_credentials',
  });
  t.equal(res.status, 200, res.body);
  t.equal(u.received.length, before + 1);
  return u.received[before]!;
}

const verifyReceived = (r: ReceivedRequest, opts: VerifyOptions): ForwardedIdentity => verifyForwardedRequest({ method: r.method, url: r.url, headers: r.headers }, opts);

function covered(r: ReceivedRequest): string[] {
  const input = String(r.headers['signature-input']);
  t.match(input, /^certgate=\(/, 'label certgate');
  return [...input.slice(input.indexOf('(') + 1, input.indexOf(')')).matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

for (const c of cases) {
  t.test(`${c.alg}: a request with a client certificate verifies upstream and carries its identity`, async (t) => {
    const r = await forward(c, true);
    const components = covered(r);
    for (const h of ['@method', '@authority', '@path', '@query', c.certHeader, 'x-client-verify', 'x-client-subject-dn', 'x-client-cert-thumbprint']) {
      t.ok(components.includes(h), `covers ${h}`);
    }
    if (c.name === 'ed') t.ok(components.includes('x-client-cert-chain'), 'covers the chain header');
    t.match(String(r.headers['signature-input']), new RegExp(`;keyid="gw-${c.name}";alg="${c.alg}"`));
    if (c.name === 'ec') t.match(String(r.headers['signature-input']), /;expires=\d+/, 'expires when expiresIn is configured');
    const id = verifyReceived(r, c.opts);
    t.equal(id.keyId, `gw-${c.name}`);
    t.equal(id.verify, 'SUCCESS');
    t.same(Buffer.from(id.certificate!.der), leaf.der, 'the certificate the client presented');
    t.equal(id.certificate!.x5tS256, expectedX5t(leaf.der));
    if (c.name === 'ed')
      t.same(
        id.chain.map((d) => Buffer.from(d)),
        [pki.intermediateCa.der],
        'the verified chain without the trust anchor',
      );
    t.equal(id.subjectDN, 'CN=client-intermediate.example.org,O=Client');
  });

  t.test(`${c.alg}: a request without a certificate is signed too, and a client-sent certificate header is not trusted`, async (t) => {
    const forged = encodeURIComponent(pki.client.certPem);
    const r = await forward(c, false, { 'X-Client-Cert': forged, 'X-SSL-Client-Cert': 'Zm9yZ2Vk', 'X-Forwarded-Client-Cert': 'Hash=00;Subject="CN=x"' });
    t.ok(r.headers.signature, 'signed');
    const id = verifyReceived(r, c.opts);
    t.equal(id.verify, 'NONE');
    t.equal(id.certificate, undefined, 'no certificate: the forged header was stripped');
  });

  t.test(`${c.alg}: tampering at the upstream side fails verification`, async (t) => {
    const r = await forward(c, true);
    const refused = (change: Partial<{ method: string; url: string; headers: Record<string, string | string[] | undefined> }>, opts = c.opts): string => {
      try {
        verifyForwardedRequest({ method: r.method, url: r.url, headers: r.headers, ...change }, opts);
        return 'accepted';
      } catch (err) {
        if (err instanceof CertgateVerifyError) return err.code;
        throw err;
      }
    };
    t.equal(refused({}), 'accepted', 'untouched, it verifies');
    t.equal(refused({ method: 'PUT' }), 'ERR_BAD_SIGNATURE', 'method');
    t.equal(refused({ url: r.url.replace('/token', '/revoke') }), 'ERR_BAD_SIGNATURE', 'path');
    t.equal(refused({ url: r.url.replace('x=1', 'x=2') }), 'ERR_BAD_SIGNATURE', 'query');
    t.equal(refused({ headers: { ...r.headers, host: 'other.internal' } }), 'ERR_BAD_SIGNATURE', 'authority');
    t.equal(refused({ headers: { ...r.headers, 'x-client-verify': 'FAILED:forged' } }), 'ERR_BAD_SIGNATURE', 'an info header');
    t.equal(refused({ headers: { ...r.headers, 'x-client-subject-dn': CLIENT_SUBJECT } }), 'ERR_BAD_SIGNATURE', 'the subject DN');
    const swapped = { ...r.headers, [c.certHeader]: encodeCertHeader(c.opts.format!, pki.client.der) };
    t.equal(refused({ headers: swapped }), 'ERR_BAD_SIGNATURE', 'the certificate header swapped for another certificate');
    const removed = Object.fromEntries(Object.entries(r.headers).filter(([name]) => name !== c.certHeader));
    t.equal(refused({ headers: removed }), 'ERR_BAD_SIGNATURE', 'certificate header removed');
    t.equal(refused({}, { ...c.opts, now: Date.now() + 120_000 }), 'ERR_SIGNATURE_EXPIRED', 'replayed after maxAge');
    t.equal(refused({}, { ...c.opts, keys: {} }), 'ERR_UNKNOWN_KEYID', 'unknown keyid');
  });
}

t.test('the admin endpoint publishes the asymmetric keys by keyId, never the HMAC secret', async (t) => {
  t.same(jwks.keys.map((k) => k.kid).sort(), ['gw-body', 'gw-ec', 'gw-ed']);
  t.match(
    jwks.keys.find((k) => k.kid === 'gw-ed'),
    { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' },
  );
  t.match(
    jwks.keys.find((k) => k.kid === 'gw-ec'),
    { kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' },
  );
  t.notOk(
    jwks.keys.some((k) => 'd' in k || 'k' in k),
    'no private or secret members',
  );
  t.notOk(JSON.stringify(jwks).includes(hmacSecret.toString('base64url')));
});

t.test('an upstream without signature gets no Signature headers, even if the client sent some', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, path: '/other', headers: { Signature: 'certgate=:AAAA:', 'Signature-Input': 'certgate=();created=1' } });
  t.equal(res.status, 200);
  const r = up.plain.received.at(-1)!;
  t.equal(r.headers.signature, undefined);
  t.equal(r.headers['signature-input'], undefined);
});

t.test('a signature_key_loaded log line per signing upstream', async (t) => {
  for (const c of cases) {
    t.ok(
      gw.logs.find((l) => l.event === 'signature_key_loaded' && l.upstream === c.name && l.keyId === `gw-${c.name}` && l.alg === c.alg),
      c.name,
    );
  }
  t.notOk(
    gw.logs.raw.some((l) => l.includes(hmacSecret.toString('base64'))),
    'the secret is in no log line',
  );
});

t.test('a key of the wrong type for the alg is a config error naming file, line and key', async (t) => {
  const file = path.join(dir, 'wrong-key.yaml');
  const text = `listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  ed:
    url: http://127.0.0.1:9
    signature:
      alg: ed25519
      keyFile: p256.pem
      keyId: gw-ed
  mac:
    url: http://127.0.0.1:9
    signature: { alg: hmac-sha256, keyFile: ed25519.pem, keyId: gw-mac }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: ed }
`;
  await writeFile(file, text);
  const { errors } = await checkConfig(file, { env: {} });
  t.equal(errors.length, 2, JSON.stringify(errors));
  t.match(errors[0], { file, line: 11, key: 'upstreams.ed.signature.keyFile', message: /alg ed25519 needs an Ed25519 private key; .*p256\.pem holds an EC P-256 key/ });
  t.match(errors[1], { file, line: 15, key: 'upstreams.mac.signature.keyFile', message: /alg hmac-sha256 needs a secret key/ });
});

// Issue 14: the body digest, the nonce and the replay cache, through the real gateway.
const bodyOpts: VerifyOptions = { keys: published, maxAge: 30 };
const TOKEN_BODY = 'grant_type=client_credentials&scope=api&resource=https%3A%2F%2Fapi.example.org';

async function postBody(
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: () => Record<string, unknown>; received: BodyRequest | undefined }> {
  const before = bodyReceived.length;
  const res = await mtlsRequest({
    port: gw.port(),
    ca,
    cert: chainPem(leaf),
    key: leaf.keyPem,
    method: 'POST',
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, json: res.json, received: bodyReceived.length > before ? bodyReceived.at(-1) : undefined };
}

const sha256 = (b: string | Buffer): string => `sha-256=:${createHash('sha256').update(b).digest('base64')}:`;
const refusal = (fn: () => unknown): string => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    if (err instanceof CertgateVerifyError) return err.code;
    throw err;
  }
};

t.test('a token request body is digested, covered and sent with its Content-Length; replays and changed bodies are refused', async (t) => {
  const { status, received: r } = await postBody('/as/token', TOKEN_BODY);
  t.equal(status, 200);
  t.equal(r!.headers['content-digest'], sha256(TOKEN_BODY), 'Content-Digest: sha-256 of the body (RFC 9530)');
  t.equal(r!.headers['content-length'], String(Buffer.byteLength(TOKEN_BODY)));
  t.equal(r!.headers['transfer-encoding'], undefined);
  t.equal(r!.body.toString(), TOKEN_BODY);
  t.ok(covered(r as unknown as ReceivedRequest).includes('content-digest'), 'content-digest is covered');
  const input = String(r!.headers['signature-input']);
  const created = Number(/;created=(\d+)/.exec(input)![1]);
  t.match(input, new RegExp(`;expires=${created + 30};nonce="[A-Za-z0-9_-]{22}"$`), 'expires = created + 30 s by default, and a 128-bit nonce');

  const replay = createReplayCache({ ttl: 35 });
  const req = { method: r!.method, url: r!.url, headers: r!.headers };
  const opts = { ...bodyOpts, replay, requireBodyCoverage: true };
  const id = verifyForwardedRequest(req, { ...opts, body: r!.body });
  t.equal(id.bodyVerified, true);
  t.same(Buffer.from(id.certificate!.der), leaf.der);
  const changed = Buffer.from(TOKEN_BODY.replace('scope=api', 'scope=admin'));
  t.equal(
    refusal(() => verifyForwardedRequest(req, { ...opts, body: changed })),
    'ERR_DIGEST_MISMATCH',
    'body changed after signing',
  );
  t.equal(
    refusal(() => verifyForwardedRequest(req, { ...opts, body: r!.body })),
    'ERR_REPLAYED',
    'the same signed request again',
  );
});

t.test('a chunked body under the limit is forwarded whole, with Content-Length and digest', async (t) => {
  const { status, received: r } = await postBody('/as/token', TOKEN_BODY, { 'transfer-encoding': 'chunked' });
  t.equal(status, 200);
  t.equal(r!.headers['transfer-encoding'], undefined);
  t.equal(r!.headers['content-length'], String(Buffer.byteLength(TOKEN_BODY)));
  t.equal(r!.headers['content-digest'], sha256(TOKEN_BODY));
  t.equal(
    refusal(() => verifyForwardedRequest({ method: r!.method, url: r!.url, headers: r!.headers }, { ...bodyOpts, body: r!.body, requireBodyCoverage: true })),
    'accepted',
  );
});

t.test('a client-sent Content-Digest is replaced by the gateway', async (t) => {
  const forged = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
  const { received: r } = await postBody('/as/token', TOKEN_BODY, { 'Content-Digest': forged });
  t.same(
    r!.rawHeaders.filter((_, i) => i % 2 === 0 && r!.rawHeaders[i]!.toLowerCase() === 'content-digest'),
    ['content-digest'],
    'one Content-Digest reaches the upstream',
  );
  t.equal(r!.headers['content-digest'], sha256(TOKEN_BODY), 'the digest of the body, not the client value');
  t.notOk(
    gw.logs.find((l) => l.event === 'spoofed_header_stripped' && JSON.stringify(l.headers).includes('Content-Digest')),
    'replaced silently: RFC 9530 clients send it legitimately',
  );
});

t.test('a request without a body carries no Content-Digest; a body added later is refused under requireBodyCoverage', async (t) => {
  const before = bodyReceived.length;
  const res = await mtlsRequest({ port: gw.port(), ca, path: '/as/userinfo' });
  t.equal(res.status, 200);
  const r = bodyReceived[before]!;
  t.equal(r.headers['content-digest'], undefined);
  t.notOk(covered(r as unknown as ReceivedRequest).includes('content-digest'));
  const req = { method: r.method, url: r.url, headers: r.headers };
  t.equal(
    refusal(() => verifyForwardedRequest(req, { ...bodyOpts, body: Buffer.alloc(0), requireBodyCoverage: true })),
    'accepted',
  );
  const withBody = { ...req, headers: { ...r.headers, 'content-length': '9' } };
  t.equal(
    refusal(() => verifyForwardedRequest(withBody, { ...bodyOpts, body: Buffer.from('scope=all'), requireBodyCoverage: true })),
    'ERR_BODY_NOT_COVERED',
  );
});

t.test('a body over digestMaxBody: 413 on a reject route, the upstream never reached', async (t) => {
  const big = 'a='.padEnd(1025, 'x');
  for (const framing of [{}, { 'transfer-encoding': 'chunked' }] as Record<string, string>[]) {
    const { status, json, received } = await postBody('/as/token', big, framing);
    t.equal(status, 413, JSON.stringify(framing));
    t.match(json(), { error: 'invalid_request', code: 'BODY_TOO_LARGE' });
    t.equal(received, undefined, 'not forwarded');
  }
  const atLimit = 'a='.padEnd(1024, 'x');
  t.equal((await postBody('/as/token', atLimit)).status, 200, 'exactly digestMaxBody is digested');
});

t.test('a body over digestMaxBody on an unsigned-body route is forwarded whole, tagged certgate-nobody, without digest', async (t) => {
  const big = Buffer.alloc(200_000, 0x61);
  for (const framing of [{}, { 'transfer-encoding': 'chunked' }] as Record<string, string>[]) {
    const { status, received: r } = await postBody('/upload/file', big, framing);
    t.equal(status, 200, JSON.stringify(framing));
    t.equal(r!.body.length, big.length);
    t.ok(r!.body.equals(big), 'the bytes sent');
    t.equal(r!.headers['content-digest'], undefined);
    t.match(String(r!.headers['signature-input']), /;tag="certgate-nobody"$/);
    const req = { method: r!.method, url: r!.url, headers: r!.headers };
    t.equal(
      refusal(() => verifyForwardedRequest(req, { ...bodyOpts, body: r!.body })),
      'accepted',
      'valid, for an upstream that takes unsigned bodies',
    );
    t.equal(
      refusal(() => verifyForwardedRequest(req, { ...bodyOpts, body: r!.body, requireBodyCoverage: true })),
      'ERR_BODY_NOT_COVERED',
    );
  }
  const small = await postBody('/upload/file', TOKEN_BODY);
  t.equal(small.received!.headers['content-digest'], sha256(TOKEN_BODY), 'under the limit, the body is digested on that route too');
});
