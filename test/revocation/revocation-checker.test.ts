// End to end against a real `openssl ocsp` responder and CRLs from `openssl ca -gencrl`.
// One CA keeps RSA (the OCSP one); the others are EC: quicker to make, and this file reruns for
// every revocation mutant under `npm run mutation`.
import t, { type Test } from 'tap';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { RevocationChecker } from '../../src/revocation/revocation-checker.js';
import type { RevocationConfig } from '../../src/config/types.js';
import { OpensslCa } from '../helpers/openssl-ca.js';
import { captureLogger, fixedTrust, revocationConfig } from './fixtures.js';

function makeChecker(t: Test, config: RevocationConfig, ca: OpensslCa, now?: () => number) {
  const log = captureLogger();
  const registry = new Registry();
  const checker = new RevocationChecker(config, { logger: log.logger, registry, trust: fixedTrust([ca.cert]), ...(now ? { now } : {}) });
  t.teardown(() => checker.close());
  return { checker, log, registry };
}

t.test('openssl ocsp: good, revoked, unknown, responder down, staleGrace', async (t) => {
  const ca = new OpensslCa({ name: 'OCSP E2E CA' });
  t.teardown(() => ca.close());
  // The responder binds port 0 first; the certificates then carry its real URL (AIA).
  const signer = ca.issueOcspSigner();
  const responder = await ca.startOcsp({ signer });
  const ocspUrl = responder.url;
  const good = ca.issue('good client', { ocspUrl });
  const revoked = ca.issue('revoked client', { ocspUrl });
  ca.revoke(revoked, 'keyCompromise');
  await responder.awaitStatus(revoked, 'revoked'); // it has re-read index.txt

  let now = Date.now();
  const cfg = (o: Partial<RevocationConfig> = {}) => revocationConfig({ sources: ['ocsp'], ...o, ocsp: { maxAge: 60_000, errorTtl: 1000 } });
  const { checker, log } = makeChecker(t, cfg({ staleGrace: 3_600_000 }), ca, () => now);
  await checker.start();

  const g = await checker.check([good.x509, ca.cert]);
  t.match(g, { status: 'good', admit: true, source: 'ocsp', cached: false }, g.detail);
  const r = await checker.check([revoked.x509, ca.cert]);
  t.match(r, { status: 'revoked', admit: false, source: 'ocsp', revocationReason: 'keyCompromise' }, r.detail);
  t.ok(r.revokedAt instanceof Date && Math.abs(r.revokedAt.getTime() - Date.now()) < 600_000, 'revocation time from the responder');

  // A certificate the responder has never heard of (issued by another CA with the same name
  // would be forged; here: a cert missing from index.txt) → "unknown", then failMode decides.
  const ghost = new OpensslCa({ name: 'Ghost CA', keyAlg: 'ec' });
  t.teardown(() => ghost.close());
  const stranger = ca.issue('stranger', { ocspUrl });
  writeFileSync(
    join(ca.dir, 'index.txt'),
    (await import('node:fs'))
      .readFileSync(join(ca.dir, 'index.txt'), 'utf8')
      .split('\n')
      .filter((l) => !l.includes('CN=stranger'))
      .join('\n'),
  );
  const u = await checker.check([stranger.x509, ca.cert]);
  t.match(u, { status: 'unknown', admit: false }, u.detail);
  const open = makeChecker(t, cfg({ failMode: 'open' }), ca);
  const uo = await open.checker.check([stranger.x509, ca.cert]);
  t.match(uo, { status: 'unknown', admit: true }, uo.detail);
  t.equal(open.log.events('revocation_fail_open').length, 1, 'fail-open logs a warning');

  // Responder killed: closed rejects, open admits with a warning, staleGrace admits a recent good.
  await responder.stop();
  const fresh = ca.issue('never checked', { ocspUrl });
  const closedV = await checker.check([fresh.x509, ca.cert]);
  t.match(closedV, { status: 'unknown', admit: false }, closedV.detail);
  const openV = await open.checker.check([fresh.x509, ca.cert]);
  t.match(openV, { status: 'unknown', admit: true });
  now += 5 * 60_000 + 1000; // past the good answer's nextUpdate (-nmin 5)
  const grace = await checker.check([good.x509, ca.cert]);
  t.match(grace, { status: 'good', admit: true, source: 'stale-grace' }, grace.detail);
  t.ok(log.events('revocation_stale_grace').length >= 1, 'stale-grace logs a warning');
  now += 2 * 3_600_000; // beyond staleGrace
  const late = await checker.check([good.x509, ca.cert]);
  t.match(late, { status: 'unknown', admit: false }, 'staleGrace is bounded');
  // Revoked stays revoked from cache until its nextUpdate, never softened by staleGrace.
  const stillRevoked = await checker.check([revoked.x509, ca.cert]);
  t.match(stillRevoked, { status: 'unknown', admit: false }, 'a never-good certificate gets no staleGrace');
});

t.test('staleGrace: good, then revoked, the revoked answer lapses, responder down → refused, never stale-grace good', async (t) => {
  const ca = new OpensslCa({ name: 'Stale Grace CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  // No nextUpdate (nmin: null): every answer lives ocsp.maxAge (60 s) on the checker's clock.
  const responder = await ca.startOcsp({ nmin: null });
  const leaf = ca.issue('good then revoked');
  const hold = ca.issue('good then on hold');
  await responder.awaitStatus(leaf, 'good');
  let now = Date.now();
  const config = revocationConfig({ sources: ['ocsp'], staleGrace: 3_600_000, ocsp: { responder: responder.url, maxAge: 60_000, errorTtl: 1000, clockSkew: 300_000 } });
  const { checker, log } = makeChecker(t, config, ca, () => now);
  await checker.start();

  t.match(await checker.check([leaf.x509, ca.cert]), { status: 'good', admit: true, source: 'ocsp' }, 'first answer: good');
  t.match(await checker.check([hold.x509, ca.cert]), { status: 'good', admit: true, source: 'ocsp' }, 'first answer: good');
  ca.revoke(leaf, 'keyCompromise');
  ca.revoke(hold, 'certificateHold');
  await responder.awaitStatus(leaf, 'revoked');

  now += 61_000; // the good answers lapse; the next check asks the responder again
  const r = await checker.check([leaf.x509, ca.cert]);
  t.match(r, { status: 'revoked', admit: false, source: 'ocsp', revocationReason: 'keyCompromise' }, r.detail);
  const h = await checker.check([hold.x509, ca.cert]);
  t.match(h, { status: 'revoked', admit: false, source: 'ocsp', revocationReason: 'certificateHold' }, h.detail);

  await responder.stop();
  now += 61_000; // the revoked answers lapse too, well within staleGrace (1 h) of the old good ones
  const after = await checker.check([leaf.x509, ca.cert]);
  t.match(after, { status: 'unknown', admit: false }, `revoked never lapses into the old good answer: ${after.detail}`);
  t.not(after.source, 'stale-grace');
  const afterHold = await checker.check([hold.x509, ca.cert]);
  t.match(afterHold, { status: 'unknown', admit: false }, `on hold never lapses into the old good answer: ${afterHold.detail}`);
  t.equal(log.events('revocation_stale_grace').length, 0, 'staleGrace was never used');
  now += 2_000; // past errorTtl: asked again, still refused
  t.match(await checker.check([leaf.x509, ca.cert]), { status: 'unknown', admit: false });
});

t.test('staleGrace: good, then the responder disowns the certificate (unknown), responder down → refused', async (t) => {
  const ca = new OpensslCa({ name: 'Disowning CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const responder = await ca.startOcsp({ nmin: null });
  const leaf = ca.issue('later disowned');
  await responder.awaitStatus(leaf, 'good');
  let now = Date.now();
  const config = revocationConfig({ sources: ['ocsp'], staleGrace: 3_600_000, ocsp: { responder: responder.url, maxAge: 60_000, errorTtl: 1000, clockSkew: 300_000 } });
  const { checker, log } = makeChecker(t, config, ca, () => now);
  t.match(await checker.check([leaf.x509, ca.cert]), { status: 'good', admit: true });
  // Drop it from the responder's index (by rename, so openssl sees a new file).
  const index = join(ca.dir, 'index.txt');
  writeFileSync(
    `${index}.new`,
    readFileSync(index, 'utf8')
      .split('\n')
      .filter((l) => !l.includes('CN=later disowned'))
      .join('\n'),
  );
  renameSync(`${index}.new`, index);
  await responder.awaitStatus(leaf, 'unknown');
  now += 61_000;
  t.match(await checker.check([leaf.x509, ca.cert]), { status: 'unknown', admit: false }, 'the responder now answers unknown');
  await responder.stop();
  now += 2_000;
  const after = await checker.check([leaf.x509, ca.cert]);
  t.match(after, { status: 'unknown', admit: false }, `an authoritative unknown also ends the old good answer's grace: ${after.detail}`);
  t.equal(log.events('revocation_stale_grace').length, 0);
});

t.test('openssl ocsp re-reads index.txt: revoked after start', async (t) => {
  const ca = new OpensslCa({ name: 'Reindex CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const responder = await ca.startOcsp();
  const leaf = ca.issue('later revoked', { ocspUrl: responder.url });
  await responder.awaitStatus(leaf, 'good');
  const first = makeChecker(t, revocationConfig({ sources: ['ocsp'] }), ca);
  const g = await first.checker.check([leaf.x509, ca.cert]);
  t.equal(g.status, 'good', g.detail);
  // openssl ocsp re-reads index.txt only between connections (checked before it blocks in
  // accept), so the first answer after a revocation may still be the old one: ask it until it
  // reports the revocation, then check with a fresh checker (no cached answer).
  ca.revoke(leaf, 'certificateHold');
  await responder.awaitStatus(leaf, 'revoked');
  const second = makeChecker(t, revocationConfig({ sources: ['ocsp'] }), ca);
  const v = await second.checker.check([leaf.x509, ca.cert]);
  t.match(v, { status: 'revoked', revocationReason: 'certificateHold' }, v.detail);
});

async function serve(routes: Map<string, () => Buffer | undefined>): Promise<{ server: Server; base: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const body = routes.get(req.url!)?.();
    if (!body) res.writeHead(404).end();
    else setTimeout(() => res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(body), 30);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

t.test('CRL from a file: revoked, good, refresh after revoke, bad signature, expired', async (t) => {
  const ca = new OpensslCa({ name: 'CRL File CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const a = ca.issue('a');
  const b = ca.issue('b');
  ca.revoke(a, 'keyCompromise');
  const crlPath = join(ca.dir, 'ca.crl');
  writeFileSync(crlPath, ca.gencrl({ hours: 2 }));
  let now = Date.now();
  const config = revocationConfig({ sources: ['crl'], crl: { files: [{ path: crlPath, der: [ca.gencrl({ hours: 2 })] }], refresh: 60_000 } });
  const { checker, log, registry } = makeChecker(t, config, ca, () => now);
  await checker.start();
  t.match(await checker.check([a.x509, ca.cert]), { status: 'revoked', admit: false, source: 'crl', revocationReason: 'keyCompromise' });
  t.match(await checker.check([b.x509, ca.cert]), { status: 'good', admit: true, source: 'crl' });
  t.match(await registry.getSingleMetricAsString('certgate_crl_stale'), /issuer="CN=CRL File CA"} 0/);

  // Revoke b, write a new CRL (by rename, as tools do); the next refresh picks it up.
  ca.revoke(b, 'superseded');
  writeFileSync(crlPath + '.tmp', ca.gencrl({ hours: 2 }));
  renameSync(crlPath + '.tmp', crlPath);
  await checker.crl.refresh();
  now += 61_000; // the cached good verdict lives at most `refresh`
  t.match(await checker.check([b.x509, ca.cert]), { status: 'revoked', revocationReason: 'superseded' });

  // A CRL with a bad signature is never used.
  const evil = new OpensslCa({ name: 'CRL File CA', keyAlg: 'ec' }); // same name, different key
  t.teardown(() => evil.close());
  const forgedPath = join(ca.dir, 'forged.crl');
  writeFileSync(forgedPath, evil.gencrl());
  const c = ca.issue('c');
  const forged = makeChecker(t, revocationConfig({ sources: ['crl'], crl: { files: [{ path: forgedPath, der: [evil.gencrl()] }] } }), ca);
  await forged.checker.start();
  const fv = await forged.checker.check([c.x509, ca.cert]);
  t.match(fv, { status: 'unknown', admit: false }, fv.detail);
  t.ok(forged.log.events('crl_invalid').length >= 1, 'bad CRL logged');

  // Expired CRL: past nextUpdate its answers count as unknown, with a log line and the metric.
  now += 3 * 3_600_000;
  const ev = await checker.check([c.x509, ca.cert]);
  t.match(ev, { status: 'unknown', admit: false }, ev.detail);
  t.ok(log.events('crl_stale').length >= 1, 'stale CRL logged');
  t.match(await registry.getSingleMetricAsString('certgate_crl_stale'), /issuer="CN=CRL File CA"} 1/);
});

t.test('CRL from the distribution point over HTTP: fetched once, refreshed, coalesced', async (t) => {
  const ca = new OpensslCa({ name: 'CRL DP CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  let crl = ca.gencrl();
  const http = await serve(new Map([['/ca.crl', () => crl]]));
  t.teardown(() => new Promise((r) => http.server.close(r)));
  const crlUrl = `${http.base}/ca.crl`;
  const leaves = Array.from({ length: 5 }, (_, i) => ca.issue(`dp${i}`, { crlUrl }));
  let now = Date.now();
  const { checker } = makeChecker(t, revocationConfig({ sources: ['ocsp', 'crl'], crl: { distributionPoints: true, refresh: 60_000 } }), ca, () => now);
  await checker.start();
  const vs = await Promise.all(leaves.map((l) => checker.check([l.x509, ca.cert])));
  t.ok(
    vs.every((v) => v.status === 'good' && v.source === 'crl'),
    'all good via CRL (no OCSP URL: OCSP skipped)',
  );
  t.equal(http.hits.get('/ca.crl'), 1, 'concurrent fetches of one URL coalesced');
  ca.revoke(leaves[0]!, 'keyCompromise');
  crl = ca.gencrl();
  now += 61_000;
  await checker.crl.refresh();
  t.match(await checker.check([leaves[0]!.x509, ca.cert]), { status: 'revoked', source: 'crl' });
  t.equal(http.hits.get('/ca.crl'), 2);
});

t.test('check: chain, intermediates, overrides, off', async (t) => {
  const root = new OpensslCa({ name: 'Chain Root', keyAlg: 'ec' });
  t.teardown(() => root.close());
  const rootCrl = join(root.dir, 'root.crl');
  const ica = new OpensslCa({ name: 'Chain Issuing', keyAlg: 'ec', parent: root });
  t.teardown(() => ica.close());
  const icaCrl = join(ica.dir, 'ica.crl');
  const leaf = ica.issue('chain leaf');
  writeFileSync(rootCrl, root.gencrl());
  writeFileSync(icaCrl, ica.gencrl());
  const files = () => [
    { path: rootCrl, der: [root.gencrl()] },
    { path: icaCrl, der: [ica.gencrl()] },
  ];
  const chain = [leaf.x509, ica.cert, root.cert];

  const c1 = makeChecker(t, revocationConfig({ check: 'chain', sources: ['crl'], crl: { files: files() } }), root);
  await c1.checker.start();
  t.match(await c1.checker.check(chain), { status: 'good', admit: true });

  // Revoke the intermediate at the root: the whole chain is revoked.
  root.revoke({ name: 'ica', certPath: ica.certPath, keyPath: '', pem: '', x509: ica.cert }, 'cACompromise');
  const c2 = makeChecker(t, revocationConfig({ check: 'chain', sources: ['crl'], crl: { files: files() } }), root);
  await c2.checker.start();
  const v2 = await c2.checker.check(chain);
  t.match(v2, { status: 'revoked', revocationReason: 'cACompromise' }, v2.detail);
  // check: leaf ignores the intermediate.
  const c3 = makeChecker(t, revocationConfig({ check: 'leaf', sources: ['crl'], crl: { files: files() } }), root);
  await c3.checker.start();
  t.match(await c3.checker.check(chain), { status: 'good' });

  // An intermediate with no source: 'skip' treats it as good, 'unknown' does not.
  const onlyLeaf = () => [{ path: icaCrl, der: [ica.gencrl()] }];
  const c4 = makeChecker(t, revocationConfig({ check: 'chain', sources: ['crl'], crl: { files: onlyLeaf() } }), root);
  await c4.checker.start();
  t.match(await c4.checker.check(chain), { status: 'good', admit: true });
  t.ok(c4.log.events('revocation_no_source').length >= 1);
  const c5 = makeChecker(t, revocationConfig({ check: 'chain', intermediateWithoutSource: 'unknown', sources: ['crl'], crl: { files: onlyLeaf() } }), root);
  await c5.checker.start();
  t.match(await c5.checker.check(chain), { status: 'unknown', admit: false });

  // Override by trust-anchor DN switches checking off for this CA; 'off' globally answers at once.
  const c6 = makeChecker(t, revocationConfig({ check: 'chain', sources: ['crl'], overrides: [{ issuer: { subjectDN: 'cn=Chain Root' }, check: 'off' }] }), root);
  t.match(await c6.checker.check(chain), { status: 'good', admit: true, source: 'none' });
  const c7 = makeChecker(t, revocationConfig({ check: 'off' }), root);
  t.match(await c7.checker.check(chain), { status: 'good', admit: true, source: 'none' });
  t.match(c7.checker.cached('anything'), { status: 'good', admit: true });
});
