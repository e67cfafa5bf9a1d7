// OCSP against responders that misbehave (pkijs-built): every fault is rejected, never read as good.
import t from 'tap';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { certInfo } from '../../src/x509/certificate-info.js';
import { RevocationChecker } from '../../src/revocation/revocation-checker.js';
import { OpensslCa } from '../helpers/openssl-ca.js';
import { TestOcspResponder, type ResponderMode } from '../helpers/ocsp-responder.js';
import { captureLogger, fixedTrust, revocationConfig } from './fixtures.js';

t.test('faulty responders are rejected', async (t) => {
  const ca = new OpensslCa({ name: 'OCSP Fault CA', keyAlg: 'ec' });
  const other = new OpensslCa({ name: 'Other CA', keyAlg: 'ec' });
  t.teardown(async () => {
    await ca.close();
    await other.close();
  });
  const caKey = createPrivateKey(readFileSync(ca.keyPath));
  const leaf = ca.issue('client');
  const chain = [leaf.x509, ca.cert];
  const delegated = ca.issueOcspSigner();
  const noEku = ca.issueOcspSigner('no eku', { eku: false });
  const foreign = other.issueOcspSigner('foreign responder');

  const run = async (
    signer: { key: import('node:crypto').KeyObject; cert?: import('node:crypto').X509Certificate },
    mode: ResponderMode,
    expect: { status: string; reason?: string },
    extra: Partial<Parameters<typeof revocationConfig>[0]> = {},
  ) => {
    const responder = new TestOcspResponder({ issuer: ca.cert, signer, mode });
    const url = await responder.start();
    const log = captureLogger();
    const checker = new RevocationChecker(revocationConfig({ sources: ['ocsp'], ...extra, ocsp: { responder: url, timeout: 500, ...extra.ocsp } }), {
      logger: log.logger,
      registry: new Registry(),
      trust: fixedTrust([ca.cert]),
    });
    await checker.start();
    const v = await checker.check(chain);
    await checker.close();
    await responder.stop();
    t.equal(v.status, expect.status, `${mode}: status ${v.status} (${v.detail})`);
    if (expect.status !== 'good') t.equal(v.admit, false, `${mode}: not admitted`);
    if (expect.reason)
      t.ok(
        log.events('ocsp_response_rejected').some((l) => l.reason === expect.reason),
        `${mode}: logged rejection ${expect.reason}`,
      );
    t.ok(responder.requests >= 1, `${mode}: responder was asked`);
    return v;
  };

  await run({ key: caKey }, 'normal', { status: 'good' });
  await run({ key: createPrivateKey(readFileSync(delegated.keyPath)), cert: delegated.x509 }, 'normal', { status: 'good' });
  await run({ key: caKey }, 'unrelated-key', { status: 'unknown', reason: 'bad-signature' });
  await run({ key: createPrivateKey(readFileSync(noEku.keyPath)), cert: noEku.x509 }, 'normal', { status: 'unknown', reason: 'unauthorized-signer' });
  await run({ key: createPrivateKey(readFileSync(foreign.keyPath)), cert: foreign.x509 }, 'normal', { status: 'unknown', reason: 'unauthorized-signer' });
  await run({ key: caKey }, 'wrong-certid', { status: 'unknown', reason: 'certid-mismatch' });
  await run({ key: caKey }, 'stale', { status: 'unknown', reason: 'stale' });
  await run({ key: caKey }, 'future', { status: 'unknown', reason: 'not-yet-valid' });
  await run({ key: caKey }, 'no-nonce', { status: 'unknown', reason: 'nonce-missing' });
  await run({ key: caKey }, 'wrong-nonce', { status: 'unknown', reason: 'nonce-mismatch' });
  await run({ key: caKey }, 'garbage', { status: 'unknown', reason: 'malformed' });
  await run({ key: caKey }, 'try-later', { status: 'unknown', reason: 'responder-status' });
  await run({ key: caKey }, 'http-500', { status: 'unknown' });
  // A responder that never answers: only the configured timeout (500 ms) can end this check.
  const hung = await run({ key: caKey }, 'hang', { status: 'unknown' });
  t.match(hung.detail, /timed out after 500 ms/, 'a responder that never answers times out');
  // Without a nonce in the request, a response without one is fine.
  await run({ key: caKey }, 'no-nonce', { status: 'good' }, { ocsp: { nonce: false } });
});

t.test('cache proof: 1,000 checks in 10 concurrent groups cause one OCSP request', async (t) => {
  const ca = new OpensslCa({ name: 'Cache CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const leaf = ca.issue('cached client');
  const responder = new TestOcspResponder({ issuer: ca.cert, signer: { key: createPrivateKey(readFileSync(ca.keyPath)) }, delay: 50 });
  const url = await responder.start();
  t.teardown(() => responder.stop());
  const registry = new Registry();
  const checker = new RevocationChecker(revocationConfig({ ocsp: { responder: url } }), { logger: captureLogger().logger, registry, trust: fixedTrust([ca.cert]) });
  await checker.start();
  t.teardown(() => checker.close());
  const chain = [leaf.x509, ca.cert];
  let good = 0;
  for (let group = 0; group < 10; group++) {
    const vs = await Promise.all(Array.from({ length: 100 }, () => checker.check(chain)));
    good += vs.filter((v) => v.status === 'good' && v.admit).length;
  }
  t.equal(good, 1000);
  t.equal(responder.requests, 1, 'exactly one request reached the responder');
  const probe = checker.cached(certInfo(leaf.x509).thumbprint);
  t.equal(probe?.status, 'good');
  t.equal(probe?.cached, true);
  const metrics = await registry.getSingleMetricAsString('certgate_revocation_checks_total');
  t.match(metrics, /source="ocsp",result="good"} 1000/);
});

t.test('revoked via responder carries time and reason; errors are cached for errorTtl', async (t) => {
  const ca = new OpensslCa({ name: 'Revoked CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const leaf = ca.issue('revoked client');
  const serial = leaf.x509.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
  const at = new Date('2026-01-02T03:04:05Z');
  const responder = new TestOcspResponder({
    issuer: ca.cert,
    signer: { key: createPrivateKey(readFileSync(ca.keyPath)) },
    statuses: new Map([[serial, { status: 'revoked', revokedAt: at, reason: 1 }]]),
  });
  const url = await responder.start();
  t.teardown(() => responder.stop());
  let now = Date.now();
  const checker = new RevocationChecker(revocationConfig({ ocsp: { responder: url, errorTtl: 5000 } }), {
    logger: captureLogger().logger,
    registry: new Registry(),
    trust: fixedTrust([ca.cert]),
    now: () => now,
  });
  t.teardown(() => checker.close());
  const v = await checker.check([leaf.x509, ca.cert]);
  t.equal(v.status, 'revoked');
  t.equal(v.admit, false);
  t.equal(v.source, 'ocsp');
  t.equal(v.revokedAt?.toISOString(), at.toISOString());
  t.equal(v.revocationReason, 'keyCompromise');

  const other = ca.issue('other client');
  responder.opts.mode = 'garbage';
  const before = responder.requests;
  await checker.check([other.x509, ca.cert]);
  await checker.check([other.x509, ca.cert]);
  t.equal(responder.requests - before, 1, 'a failing responder is asked once per errorTtl');
  now += 6000;
  await checker.check([other.x509, ca.cert]);
  t.equal(responder.requests - before, 2, 'asked again after errorTtl');
});
