// Through the real gateway over real TLS, against a real `openssl ocsp` responder: staleGrace must
// never re-admit a revoked certificate. The sequence an audit found: OCSP answers good, later
// answers revoked, the revoked answer lapses, and the responder goes down within staleGrace of the
// old good answer. The client must get 401 CLIENT_CERT_REVOKED or 503 REVOCATION_UNAVAILABLE, and
// the upstream must receive nothing. Every wait is on an event (an access line, a log line, the
// responder's own answer), never a fixed sleep.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { makeTestPki } from '../helpers/pki.js';
import { OpensslCa, type IssuedCert } from '../helpers/openssl-ca.js';
import { waitUntil } from '../helpers/wait-for.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir, writeFiles, type ClientResponse } from '../helpers/gateway-harness.js';

const POLL_MS = 25;
const MAX_POLLS = 400; // 10 s of polling at most; each lifetime below is 1 s

const pki = await makeTestPki();
const ca = new OpensslCa({ name: 'Stale Grace E2E CA' });
// No nextUpdate in the answers: the gateway keeps each one ocsp.maxAge (1 s).
const responder = await ca.startOcsp({ nmin: null });
const leaf = ca.issue('revoked.later');
const hold = ca.issue('held.later');
await responder.awaitStatus(leaf, 'good');

const dir = await tempDir();
await writeFiles(dir, { 'server.pem': pki.server.certPem, 'server-key.pem': pki.server.keyPem, 'ca.pem': ca.cert.toString() });
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: grace
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: { check: leaf, sources: [ocsp], failMode: closed, staleGrace: 1h, ocsp: { responder: "${responder.url}", maxAge: 1s, errorTtl: 200ms } }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
  await ca.close();
});

let seq = 0;
const accessOf = (path: string) => gw.logs.lines.find((l) => l.event === 'access' && l.url === path);
const get = async (cert: IssuedCert, tag: string): Promise<ClientResponse & { path: string }> => {
  const path = `/${tag}/${++seq}`;
  const res = await mtlsRequest({ port: gw.port(), ca: pki.rootCa.certPem, cert: cert.pem, key: readFileSync(cert.keyPath, 'utf8'), path });
  // The access line may be written just after the client has its answer.
  await waitUntil(() => accessOf(path) !== undefined, { what: `the access line of ${path}` });
  return { ...res, path };
};
const forwarded = (prefix: string) => upstream.received.filter((r) => r.url.startsWith(prefix));

/** Requests until the access line of one shows `revocation` (the cached answer lapsed and a new one came). */
async function requestUntil(cert: IssuedCert, tag: string, revocation: RegExp): Promise<Array<ClientResponse & { path: string }>> {
  const seen: Array<ClientResponse & { path: string }> = [];
  for (let i = 0; i < MAX_POLLS; i++) {
    const res = await get(cert, tag);
    seen.push(res);
    if (revocation.test(String(accessOf(res.path)?.revocation))) return seen;
    await delay(POLL_MS);
  }
  throw new Error(`no access line with revocation ${revocation} after ${MAX_POLLS} requests`);
}

const cases = [
  { cert: leaf, reason: 'keyCompromise' },
  { cert: hold, reason: 'certificateHold' },
] as const;

t.test('good, then revoked (keyCompromise / certificateHold), the revoked answer lapses, responder down → never admitted again', async (t) => {
  for (const { cert } of cases) {
    const ok = await get(cert, `${cert.name}/good`);
    t.equal(ok.status, 200, ok.body);
    t.match(accessOf(ok.path), { revocation: 'ocsp:good' }, `${cert.name}: first answer good`);
  }

  for (const { cert, reason } of cases) ca.revoke(cert, reason);
  for (const { cert } of cases) await responder.awaitStatus(cert, 'revoked');

  // The good answers lapse after 1 s; the next answer from the responder is "revoked".
  for (const { cert, reason } of cases) {
    const seen = await requestUntil(cert, `${cert.name}/revoked`, /^ocsp:revoked$/);
    const revoked = seen[seen.length - 1]!;
    t.equal(revoked.status, 401, `${cert.name}: revoked`);
    t.match(revoked.json(), { code: 'CLIENT_CERT_REVOKED' });
    t.match(String(revoked.json().error_description), new RegExp(reason));
    t.equal(forwarded(revoked.path).length, 0, 'the revoked request was not forwarded');
  }

  // Responder down, well within staleGrace (1 h) of the old good answers. Poll until the revoked
  // answer of each certificate lapses and the gateway asks the dead responder again.
  await responder.stop();
  const unreachable = () => gw.logs.lines.filter((l) => l.event === 'ocsp_unreachable');
  for (const { cert } of cases) {
    const before = unreachable().length;
    const afterDown: Array<ClientResponse & { path: string }> = [];
    for (let i = 0; i < MAX_POLLS && unreachable().length === before; i++) {
      afterDown.push(await get(cert, `${cert.name}/down`));
      if (unreachable().length === before) await delay(POLL_MS);
    }
    t.ok(unreachable().length > before, `${cert.name}: the gateway asked the dead responder again`);
    // A few more, while the unreachable verdict is cached.
    for (let i = 0; i < 3; i++) afterDown.push(await get(cert, `${cert.name}/down`));

    for (const res of afterDown) {
      t.ok(res.status === 401 || res.status === 503, `${res.path}: refused (${res.status} ${res.body})`);
      t.equal(res.json().code, res.status === 401 ? 'CLIENT_CERT_REVOKED' : 'REVOCATION_UNAVAILABLE', res.path);
      t.not(accessOf(res.path)?.revocation, 'stale-grace:good', `${res.path}: not admitted through staleGrace`);
    }
    // (Requests before the revoked answer arrived were admitted on the cached good answer, as they should be.)
    t.equal(forwarded(`/${cert.name}/down/`).length, 0, `${cert.name}: the upstream received nothing once the revoked answer was seen`);
  }
  t.equal(gw.logs.lines.filter((l) => l.event === 'revocation_stale_grace').length, 0, 'staleGrace was never used');
});
