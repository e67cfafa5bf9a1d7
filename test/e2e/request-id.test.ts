// Request IDs over real TLS: the upstream, the client and the access line see one ID per request;
// a client's ID is used only on a listener that trusts it and only when well-formed; error answers
// carry it in the header and the JSON body; the signature covers it and certgate/verify checks it.
import t, { type Test } from 'tap';
import tls from 'node:tls';
import { generateKeyPairSync } from 'node:crypto';
import { CertgateVerifyError, verifyForwardedRequest } from 'certgate/verify';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { makeTestPki } from '../helpers/pki.js';
import { waitUntil } from '../helpers/wait-for.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway, type ClientResponse } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const keys = generateKeyPairSync('ed25519');
const dir = await listenerDir(pki, { 'ed25519.pem': keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string });
const plain = await startRecordingUpstream((_req, res) => {
  // An upstream that sets its own ID: the client must still see the gateway's.
  res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'from-upstream', 'x-correlation-id': 'from-upstream' });
  res.end('ok');
});
const signed = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem], verifyDepth: 2 }
  - name: trusting
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem], verifyDepth: 2 }
    requestId: { header: X-Correlation-Id, trustIncoming: true }
upstreams:
  plain: { url: ${plain.url} }
  signed:
    url: ${signed.url}
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: gw-ed }
routes:
  - { name: api, match: { pathPrefix: /api/ }, upstream: plain, clientCert: optional }
  - { name: signed, match: { pathPrefix: /signed/ }, upstream: signed, clientCert: optional }
  - { name: private, match: { pathPrefix: /private/ }, upstream: plain, clientCert: required }
`,
);
t.teardown(async () => {
  await gw.close();
  await plain.close();
  await signed.close();
});

const ca = pki.rootCa.certPem;
const leaf = pki.clientViaIntermediate;
const withCert = { cert: chainPem(leaf), key: leaf.keyPem };
// 12 base64url characters random per process, then a base-36 counter.
const GENERATED = /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/;

async function accessLineOf(id: string): Promise<Record<string, unknown>> {
  await waitUntil(() => gw.logs.find((l) => l.event === 'access' && l.requestId === id) !== undefined, { what: `the access line of ${id}` });
  return gw.logs.find((l) => l.event === 'access' && l.requestId === id)!;
}

async function viaMain(t: Test, headers: Record<string, string> | string[] = {}): Promise<{ res: ClientResponse; sent: string | string[] | undefined }> {
  const before = plain.received.length;
  const res = await mtlsRequest({ port: gw.port('main'), ca, ...withCert, path: '/api/x', headers });
  t.equal(plain.received.length, before + 1, 'forwarded');
  return { res, sent: plain.received[before]!.headers['x-request-id'] };
}

async function viaTrusting(t: Test, headers: Record<string, string> | string[]): Promise<{ res: ClientResponse; sent: string | string[] | undefined }> {
  const before = plain.received.length;
  const res = await mtlsRequest({ port: gw.port('trusting'), ca, ...withCert, path: '/api/x', headers });
  t.equal(plain.received.length, before + 1, 'forwarded');
  return { res, sent: plain.received[before]!.headers['x-correlation-id'] };
}

t.test('a generated ID reaches the upstream, the client and the access line, the same one', async (t) => {
  const { res, sent } = await viaMain(t);
  t.equal(res.status, 200);
  t.match(sent, GENERATED, 'the upstream receives a generated X-Request-Id');
  t.equal(res.headers['x-request-id'], sent, "the client receives the same ID, not the upstream's own");
  const line = await accessLineOf(String(sent));
  t.equal(line.status, 200);
  t.equal(line.route, 'api');
  const second = await viaMain(t);
  t.not(second.sent, sent, 'each request gets its own ID');
});

t.test('not trusted: a client-sent X-Request-Id is replaced, never forwarded, and not reported as spoofing', async (t) => {
  const { res, sent } = await viaMain(t, { 'X-Request-Id': 'client-chosen-id' });
  t.match(sent, GENERATED, 'one generated ID, the client copy removed');
  t.equal(res.headers['x-request-id'], sent);
  const dup = await viaMain(t, ['X_Request_Id', 'underscore-spelling']);
  const raw = plain.received.at(-1)!.rawHeaders;
  t.notOk(
    raw.some((v) => v === 'underscore-spelling'),
    'the CGI spelling X_Request_Id is removed too',
  );
  t.match(dup.sent, GENERATED);
  t.notOk(
    gw.logs.find((l) => l.event === 'spoofed_header_stripped'),
    'no spoofing warning',
  );
});

t.test('trusted: a well-formed client ID is kept end to end', async (t) => {
  for (const id of ['0f8fad5b-d9cb-469f-a165-70867728950e', 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8', 'a'.repeat(128)]) {
    const { res, sent } = await viaTrusting(t, { 'X-Correlation-Id': id });
    t.equal(sent, id, `forwarded as sent: ${id.slice(0, 20)}`);
    t.equal(res.headers['x-correlation-id'], id, 'returned to the client');
    t.equal(res.headers['x-request-id'], 'from-upstream', "another header of the upstream's passes untouched");
    await accessLineOf(id);
  }
});

t.test('trusted but malformed: a fresh ID replaces it', async (t) => {
  const malformed: Array<[string, string[]]> = [
    ['129 characters, one over the limit', ['X-Correlation-Id', 'a'.repeat(129)]],
    ['a space', ['X-Correlation-Id', 'abc def']],
    ['non-ASCII (latin1 e-acute)', ['X-Correlation-Id', 'abc\u00e9']],
    ['a double quote', ['X-Correlation-Id', 'abc"def']],
    ['a backslash', ['X-Correlation-Id', 'abc\\def']],
    ['two copies (joined with a comma)', ['X-Correlation-Id', 'first', 'X-Correlation-Id', 'second']],
    ['empty', ['X-Correlation-Id', '']],
  ];
  for (const [what, headers] of malformed) {
    const { res, sent } = await viaTrusting(t, headers);
    t.match(sent, GENERATED, `${what}: a generated ID is forwarded`);
    t.equal(res.headers['x-correlation-id'], sent, `${what}: and returned`);
    t.notOk(
      plain.received.at(-1)!.rawHeaders.some((v, i) => i % 2 === 1 && headers.includes(v) && v !== ''),
      `${what}: the client's value is not forwarded`,
    );
  }
});

t.test('a CR or LF in the header never arrives: the parser refuses the request, nothing is forwarded', async (t) => {
  for (const value of ['abc\rdef', 'abc\ndef']) {
    const before = plain.received.length;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: gw.port('trusting'), ca, servername: 'localhost', ...withCert }, () => {
        socket.write(`GET /api/x HTTP/1.1\r\nHost: localhost\r\nX-Correlation-Id: ${value}\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    t.match(answer, /^HTTP\/1\.1 400 /, `${JSON.stringify(value)}: 400`);
    t.equal(plain.received.length, before, `${JSON.stringify(value)}: not forwarded`);
  }
});

t.test("the gateway's own error answers carry the ID in the header and the JSON body", async (t) => {
  const noRoute = await mtlsRequest({ port: gw.port('main'), ca, ...withCert, path: '/nowhere' });
  t.equal(noRoute.status, 404);
  const id = noRoute.headers['x-request-id'];
  t.match(id, GENERATED);
  t.match(noRoute.json(), { code: 'NO_ROUTE', requestId: id });
  t.equal((await accessLineOf(String(id))).status, 404, 'the access line has the same ID');

  const noCert = await mtlsRequest({ port: gw.port('trusting'), ca, path: '/private/x', headers: { 'X-Correlation-Id': 'trace-401' } });
  t.equal(noCert.status, 401);
  t.equal(noCert.headers['x-correlation-id'], 'trace-401', "a trusted client's ID on an error");
  t.match(noCert.json(), { code: 'CLIENT_CERT_REQUIRED', requestId: 'trace-401' });
  await accessLineOf('trace-401');
});

t.test('signing on: the signature covers the request-ID header and certgate/verify checks it', async (t) => {
  const before = signed.received.length;
  const res = await mtlsRequest({ port: gw.port('main'), ca, ...withCert, path: '/signed/x?a=1', headers: { 'X-Request-Id': 'forged' } });
  t.equal(res.status, 200);
  const r = signed.received[before]!;
  const id = String(r.headers['x-request-id']);
  t.match(id, GENERATED);
  t.equal(res.headers['x-request-id'], id);
  t.match(String(r.headers['signature-input']), /^certgate=\([^)]*"x-request-id"\)/, 'x-request-id is covered');
  const opts = { keys: { 'gw-ed': keys.publicKey }, maxAge: 30 };
  const verify = (headers: typeof r.headers): string => {
    try {
      verifyForwardedRequest({ method: r.method, url: r.url, headers }, opts);
      return 'verified';
    } catch (err) {
      if (err instanceof CertgateVerifyError) return err.code;
      throw err;
    }
  };
  t.equal(verify(r.headers), 'verified', 'as received, it verifies');
  t.equal(verify({ ...r.headers, 'x-request-id': `${id}x` }), 'ERR_BAD_SIGNATURE', 'a changed ID fails');
  const removed = Object.fromEntries(Object.entries(r.headers).filter(([name]) => name !== 'x-request-id'));
  t.equal(verify(removed), 'ERR_BAD_SIGNATURE', 'a removed ID fails');
});
