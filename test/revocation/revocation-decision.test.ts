// The revocation checker's decision logic (src/revocation/revocation-checker.ts) with an injected
// clock and fake sources: the checker's own OcspClient.query and CrlStore.lookup are replaced by
// tables, so each test states what the sources said and what the verdict must be. The unit under
// test is the policy (failMode, staleGrace, check: leaf|chain, overrides, caching); real openssl
// responders and CRLs stay in revocation-checker.test.ts and the e2e tests. No child process, no
// network: this file reruns for every revocation mutant under `npm run mutation`.
import t, { type Test } from 'tap';
import { Registry } from 'prom-client';
import { createCA, issueCertificate } from '../../src/pki/certificate-factory.js';
import { certInfo, type CertInfo } from '../../src/x509/certificate-info.js';
import type { CrlOutcome } from '../../src/revocation/crl-evaluate.js';
import type { OcspOutcome } from '../../src/revocation/ocsp-client.js';
import { RevocationChecker } from '../../src/revocation/revocation-checker.js';
import { captureLogger, fixedTrust, revocationConfig } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const MIN = 60_000;
const REVOKED_AT = new Date(T0 - 60 * MIN);

const root = await createCA({ subject: 'CN=Decision Root,O=Certgate Test' });
const ica = await issueCertificate(root, { subject: 'CN=Decision Issuing', isCA: true });
const leafCert = await issueCertificate(ica, { subject: 'CN=decision leaf', serialNumber: '0c0ffee0' });
const directLeaf = await issueCertificate(root, { subject: 'CN=direct leaf', serialNumber: '0c0ffee1' });
const strangerCa = await createCA({ subject: 'CN=Stranger CA' });
const strangerLeaf = await issueCertificate(strangerCa, { subject: 'CN=stranger leaf' });
const chain = [leafCert.x509, ica.x509, root.x509];
const LEAF = certInfo(leafCert.x509).serial;
const ICA = certInfo(ica.x509).serial;
const DIRECT = certInfo(directLeaf.x509).serial;

const good = (expiresAt: number, detail = 'ocsp good'): OcspOutcome => ({ kind: 'answer', status: 'good', expiresAt, cached: false, detail });
const ocspRevoked = (expiresAt: number): OcspOutcome => ({
  kind: 'answer',
  status: 'revoked',
  revokedAt: REVOKED_AT,
  reason: 'keyCompromise',
  expiresAt,
  cached: false,
  detail: 'ocsp revoked',
});
const ocspUnknown = (expiresAt: number): OcspOutcome => ({ kind: 'answer', status: 'unknown', expiresAt, cached: false, detail: 'ocsp unknown' });
const down: OcspOutcome = { kind: 'error', detail: 'responder down', expiresAt: 0, cached: false };
const none = { kind: 'no-source' } as const;

function setup(t: Test, over: Parameters<typeof revocationConfig>[0] = {}, anchors = [root.x509]) {
  let now = T0;
  const log = captureLogger();
  const registry = new Registry();
  const checker = new RevocationChecker(revocationConfig({ ocsp: { errorTtl: 5000 }, crl: { refresh: 10 * MIN }, ...over }), {
    logger: log.logger,
    registry,
    trust: fixedTrust(anchors),
    now: () => now,
  });
  t.teardown(() => checker.close());
  const ocsp = new Map<string, OcspOutcome>();
  const crl = new Map<string, CrlOutcome>();
  const calls: string[] = [];
  const issuers: string[] = [];
  checker.ocsp.query = async (cert: CertInfo, issuer: CertInfo) => {
    calls.push(`ocsp ${cert.serial}`);
    issuers.push(issuer.serial);
    return ocsp.get(cert.serial) ?? none;
  };
  checker.crl.lookup = async (cert: CertInfo) => {
    calls.push(`crl ${cert.serial}`);
    return crl.get(cert.serial) ?? none;
  };
  return {
    checker,
    log,
    registry,
    ocsp,
    crl,
    calls,
    issuers,
    at: (ms: number) => {
      now = ms;
    },
    metric: async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.map((v) => ({ labels: v.labels, value: v.value })) ?? [],
  };
}

const OFF = { status: 'good', admit: true, source: 'none', cached: false, detail: 'revocation checking is off', expiresAt: Number.POSITIVE_INFINITY };

t.test('check: off answers at once, for check() and cached()', async (t) => {
  const s = setup(t, { check: 'off' });
  t.same(await s.checker.check(chain), OFF);
  t.same(s.checker.cached('anything'), OFF);
  t.same(s.calls, []);
  const on = setup(t);
  t.same(await on.checker.check([]), OFF, 'an empty chain has nothing to check');
  t.equal(on.checker.cached('anything'), undefined);
});

t.test('start loads CRLs only when they are used', async (t) => {
  for (const [over, expected] of [
    [{}, 1],
    [{ sources: ['ocsp'] }, 0],
    [{ check: 'off' }, 0],
  ] as const) {
    const s = setup(t, over);
    let started = 0;
    s.checker.crl.start = async () => {
      started++;
    };
    await s.checker.start();
    t.equal(started, expected, JSON.stringify(over));
  }
});

t.test('good from OCSP: admitted, cached until its expiry, counted', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, good(T0 + 5 * MIN));
  const v = await s.checker.check(chain);
  t.same(v, { status: 'good', admit: true, source: 'ocsp', cached: false, revokedAt: undefined, revocationReason: undefined, detail: 'ocsp good', expiresAt: T0 + 5 * MIN });
  t.same(s.calls, [`ocsp ${LEAF}`], 'leaf only, OCSP first and enough');
  t.same(s.issuers, [ICA], "asked with the leaf's issuer");
  const thumb = certInfo(leafCert.x509).thumbprint;
  t.same(s.checker.cached(thumb), { ...v, cached: true });
  t.same(await s.checker.check(chain), { ...v, cached: true });
  t.equal(s.calls.length, 1, 'second check from the cache');
  s.at(T0 + 5 * MIN - 1);
  t.ok(s.checker.cached(thumb), 'still cached just before expiry');
  s.at(T0 + 5 * MIN);
  t.equal(s.checker.cached(thumb), undefined, 'gone at expiry');
  await s.checker.check(chain);
  t.equal(s.calls.length, 2, 'asked again after expiry');
  t.same(await s.metric('certgate_revocation_checks_total'), [{ labels: { source: 'ocsp', result: 'good' }, value: 3 }]);
});

t.test('concurrent checks of one certificate share one decision', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, good(T0 + MIN));
  const [a, b] = await Promise.all([s.checker.check(chain), s.checker.check(chain)]);
  t.equal(a.status, 'good');
  t.equal(b.status, 'good');
  t.equal(s.calls.length, 1);
});

t.test('revoked from OCSP: refused with reason and date, logged', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, ocspRevoked(T0 + 5 * MIN));
  t.same(await s.checker.check(chain), {
    status: 'revoked',
    admit: false,
    source: 'ocsp',
    cached: false,
    revokedAt: REVOKED_AT,
    revocationReason: 'keyCompromise',
    detail: 'ocsp revoked',
    revokedCertificate: 'leaf',
    expiresAt: T0 + 5 * MIN,
  });
  t.same(
    s.log.events('certificate_revoked').map((l) => ({ serial: l.serial, source: l.source, reason: l.reason, msg: l.msg })),
    [{ serial: LEAF, source: 'ocsp', reason: 'keyCompromise', msg: 'ocsp revoked' }],
  );
  t.same(await s.metric('certgate_revocation_checks_total'), [{ labels: { source: 'ocsp', result: 'revoked' }, value: 1 }]);
});

t.test('OCSP unknown or down falls through to the CRL; the CRL answer is capped at crl.refresh', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, ocspUnknown(T0 + MIN));
  s.crl.set(LEAF, { kind: 'answer', status: 'revoked', revokedAt: REVOKED_AT, reason: 'certificateHold', validUntil: T0 + 60 * MIN, detail: 'crl hold' });
  t.same(await s.checker.check(chain), {
    status: 'revoked',
    admit: false,
    source: 'crl',
    cached: false,
    revokedAt: REVOKED_AT,
    revocationReason: 'certificateHold',
    detail: 'crl hold',
    revokedCertificate: 'leaf',
    expiresAt: T0 + 10 * MIN,
  });
  t.same(s.calls, [`ocsp ${LEAF}`, `crl ${LEAF}`]);

  const s2 = setup(t);
  s2.ocsp.set(LEAF, down);
  s2.crl.set(LEAF, { kind: 'answer', status: 'good', validUntil: T0 + 2 * MIN, detail: 'crl good' });
  t.match(await s2.checker.check(chain), { status: 'good', admit: true, source: 'crl', expiresAt: T0 + 2 * MIN }, 'validUntil before the cap');
  const s3 = setup(t);
  s3.crl.set(LEAF, { kind: 'answer', status: 'good', detail: 'crl good, no nextUpdate' });
  t.match(await s3.checker.check(chain), { status: 'good', source: 'crl', expiresAt: T0 + 10 * MIN }, 'no validUntil: the cap');
});

t.test('sources order and ocsp.enabled', async (t) => {
  const s = setup(t, { sources: ['crl', 'ocsp'] });
  s.ocsp.set(LEAF, ocspRevoked(T0 + MIN));
  s.crl.set(LEAF, { kind: 'answer', status: 'good', detail: 'crl good' });
  t.match(await s.checker.check(chain), { status: 'good', source: 'crl' });
  t.same(s.calls, [`crl ${LEAF}`], 'CRL first, and it answered');
  const off = setup(t, { sources: ['ocsp', 'crl'], ocsp: { enabled: false, errorTtl: 5000 } });
  off.ocsp.set(LEAF, ocspRevoked(T0 + MIN));
  off.crl.set(LEAF, { kind: 'answer', status: 'good', detail: 'crl good' });
  t.match(await off.checker.check(chain), { status: 'good', source: 'crl' });
  t.same(off.calls, [`crl ${LEAF}`], 'OCSP disabled is never asked');
  const only = setup(t, { sources: ['ocsp'] });
  only.crl.set(LEAF, { kind: 'answer', status: 'revoked', detail: 'crl revoked' });
  t.match(await only.checker.check(chain), { status: 'unknown', source: 'none', detail: 'no revocation source for CN=decision leaf' });
  t.same(only.calls, [`ocsp ${LEAF}`], 'sources: [ocsp] never reads CRLs');
});

t.test('every source failed: unknown; closed refuses, open admits with a warning', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, down);
  s.crl.set(LEAF, { kind: 'error', detail: 'crl bad signature' });
  t.same(await s.checker.check(chain), {
    status: 'unknown',
    admit: false,
    source: 'ocsp',
    cached: false,
    expiresAt: T0 + 5000,
    detail: 'responder down; crl bad signature',
    unreachable: true,
  });
  t.same(await s.metric('certgate_revocation_fail_open_total'), []);
  const o = setup(t, { failMode: 'open' });
  o.ocsp.set(LEAF, down);
  t.same(await o.checker.check(chain), { status: 'unknown', admit: true, source: 'ocsp', cached: false, expiresAt: T0 + 5000, detail: 'responder down', unreachable: true });
  t.same(await o.metric('certgate_revocation_fail_open_total'), [{ labels: { status: 'unknown' }, value: 1 }]);
  t.same(
    o.log.events('revocation_fail_open').map((l) => ({ serial: l.serial, msg: l.msg })),
    [{ serial: LEAF, msg: 'admitting with unknown revocation status (failMode open): responder down' }],
  );
  const c = setup(t, { sources: ['crl'] });
  c.crl.set(LEAF, { kind: 'stale', detail: 'crl stale', record: undefined as never });
  t.match(await c.checker.check(chain), { status: 'unknown', admit: false, source: 'crl', detail: 'crl stale' }, 'a stale CRL is unknown');
  const e = setup(t, { sources: [] });
  t.match(await e.checker.check(chain), { status: 'unknown', admit: false, source: 'none' }, 'no sources configured');
});

t.test("no source for the leaf: unknown; the leaf's issuer unknown: unknown", async (t) => {
  const s = setup(t);
  t.same(await s.checker.check(chain), {
    status: 'unknown',
    admit: false,
    source: 'none',
    cached: false,
    expiresAt: T0 + 5000,
    detail: 'no revocation source for CN=decision leaf',
    unreachable: false,
  });
  const lone = setup(t);
  t.same(await lone.checker.check([strangerLeaf.x509]), {
    status: 'unknown',
    admit: false,
    source: 'none',
    cached: false,
    expiresAt: T0 + 5000,
    detail: 'issuer of the client certificate is unknown',
    unreachable: false,
  });
  t.same(lone.calls, []);
});

t.test('a lone leaf is checked against the trust anchor that issued it', async (t) => {
  const s = setup(t, {}, [strangerCa.x509, root.x509]);
  s.ocsp.set(DIRECT, good(T0 + MIN));
  t.match(await s.checker.check([directLeaf.x509]), { status: 'good', source: 'ocsp' });
  t.same(s.issuers, [certInfo(root.x509).serial]);
});

t.test('check: chain checks every certificate below the anchor; the worst answer decides', async (t) => {
  const s = setup(t, { check: 'chain' });
  s.ocsp.set(LEAF, good(T0 + 5 * MIN));
  s.ocsp.set(ICA, good(T0 + 2 * MIN));
  t.same(
    await s.checker.check(chain),
    { status: 'good', admit: true, source: 'ocsp', cached: false, revokedAt: undefined, revocationReason: undefined, detail: 'ocsp good', expiresAt: T0 + 2 * MIN },
    'earliest expiry',
  );
  t.same(s.calls.sort(), [`ocsp ${ICA}`, `ocsp ${LEAF}`].sort());

  const r = setup(t, { check: 'chain' });
  r.ocsp.set(LEAF, ocspUnknown(T0 + MIN));
  r.ocsp.set(ICA, ocspRevoked(T0 + 3 * MIN));
  t.same(
    await r.checker.check(chain),
    {
      status: 'revoked',
      admit: false,
      source: 'ocsp',
      cached: false,
      revokedAt: REVOKED_AT,
      revocationReason: 'keyCompromise',
      detail: 'intermediate: ocsp revoked',
      revokedCertificate: 'intermediate',
      expiresAt: T0 + 5000,
    },
    'revoked intermediate beats an unknown leaf',
  );

  const u = setup(t, { check: 'chain' });
  u.ocsp.set(LEAF, good(T0 + MIN));
  u.ocsp.set(ICA, ocspUnknown(T0 + MIN));
  t.match(await u.checker.check(chain), { status: 'unknown', admit: false, detail: 'ocsp unknown' }, 'unknown intermediate → unknown (its note, no prefix: every source failed)');

  const lr = setup(t, { check: 'chain' });
  lr.ocsp.set(LEAF, ocspRevoked(T0 + MIN));
  lr.ocsp.set(ICA, ocspRevoked(T0 + MIN));
  t.match(await lr.checker.check(chain), { status: 'revoked', detail: 'ocsp revoked' }, "the leaf's own answer has no prefix");

  const skip = setup(t, { check: 'chain' });
  skip.ocsp.set(LEAF, good(T0 + 20 * MIN));
  t.same(
    await skip.checker.check(chain),
    { status: 'good', admit: true, source: 'ocsp', cached: false, revokedAt: undefined, revocationReason: undefined, detail: 'ocsp good', expiresAt: T0 + 10 * MIN },
    'intermediate without source skipped until crl.refresh',
  );
  t.same(
    skip.log.events('revocation_no_source').map((l) => ({ subject: l.subject, msg: l.msg })),
    [{ subject: 'CN=Decision Issuing', msg: 'no revocation source for intermediate CN=Decision Issuing; treated as good (intermediateWithoutSource: skip)' }],
  );
  const strict = setup(t, { check: 'chain', intermediateWithoutSource: 'unknown' });
  strict.ocsp.set(LEAF, good(T0 + 20 * MIN));
  t.same(await strict.checker.check(chain), {
    status: 'unknown',
    admit: false,
    source: 'none',
    cached: false,
    expiresAt: T0 + 5000,
    detail: 'intermediate: no revocation source for CN=Decision Issuing',
    unreachable: false,
  });
  const skipOnly = setup(t, { check: 'chain' });
  skipOnly.ocsp.set(LEAF, ocspUnknown(T0 + 20 * MIN));
  t.match(await skipOnly.checker.check(chain), { status: 'unknown', detail: 'ocsp unknown' });
  const detail = await (async () => {
    const x = setup(t, { check: 'chain' });
    x.ocsp.set(LEAF, ocspRevoked(T0 + MIN));
    return x.checker.check(chain);
  })();
  t.equal(detail.detail, 'ocsp revoked');
});

t.test('overrides by trust anchor: thumbprint or subject DN (normalised)', async (t) => {
  const rootThumb = certInfo(root.x509).thumbprint;
  const off = setup(t, { overrides: [{ issuer: { thumbprint: rootThumb }, check: 'off' }] });
  t.same(await off.checker.check(chain), { ...OFF, detail: 'revocation checking is off for CN=Decision Root,O=Certgate Test' });
  t.same(off.calls, []);
  const dn = setup(t, { overrides: [{ issuer: { subjectDN: 'cn=decision root, o=CERTGATE TEST' }, check: 'off' }] });
  t.match(await dn.checker.check(chain), { source: 'none', detail: 'revocation checking is off for CN=Decision Root,O=Certgate Test' }, 'DN in another case and spacing');
  const other = setup(t, {
    overrides: [
      { issuer: { subjectDN: 'CN=Stranger CA' }, check: 'off' },
      { issuer: { thumbprint: 'x'.repeat(43) }, check: 'off' },
    ],
  });
  other.ocsp.set(LEAF, good(T0 + MIN));
  t.match(await other.checker.check(chain), { source: 'ocsp' }, 'an override for another anchor does not apply');
  const src = setup(t, { overrides: [{ issuer: { thumbprint: rootThumb }, sources: ['crl'] }] });
  src.ocsp.set(LEAF, good(T0 + MIN));
  src.crl.set(LEAF, { kind: 'answer', status: 'revoked', detail: 'crl revoked' });
  t.match(await src.checker.check(chain), { status: 'revoked', source: 'crl' });
  t.same(src.calls, [`crl ${LEAF}`], 'sources from the override');
  const chk = setup(t, { overrides: [{ issuer: { subjectDN: 'CN=Decision Root,O=Certgate Test' }, check: 'chain' }] });
  chk.ocsp.set(LEAF, good(T0 + MIN));
  chk.ocsp.set(ICA, ocspRevoked(T0 + MIN));
  t.match(await chk.checker.check(chain), { status: 'revoked', detail: 'intermediate: ocsp revoked' }, 'check: chain from the override');
});

t.test('staleGrace: a recent good answer covers an unreachable source, within bounds', async (t) => {
  const s = setup(t, { staleGrace: 30 * MIN });
  s.ocsp.set(LEAF, good(T0 + 5 * MIN));
  await s.checker.check(chain);
  s.ocsp.set(LEAF, down);
  s.at(T0 + 6 * MIN);
  const until = T0 + 35 * MIN;
  t.same(await s.checker.check(chain), {
    status: 'good',
    admit: true,
    source: 'stale-grace',
    cached: false,
    expiresAt: T0 + 6 * MIN + 5000,
    detail: `every revocation source failed (responder down); last good answer (ocsp good) used within staleGrace until ${new Date(until).toISOString()}`,
  });
  t.same(
    s.log.events('revocation_stale_grace').map((l) => l.serial),
    [LEAF],
  );
  s.at(until - 1000);
  t.match(await s.checker.check(chain), { source: 'stale-grace', expiresAt: until }, 'expiry capped by the end of the grace');
  s.at(until);
  t.match(await s.checker.check(chain), { source: 'stale-grace' }, 'at the end of the grace: still inside');
  s.at(until + 1);
  t.same(
    await s.checker.check(chain),
    { status: 'unknown', admit: false, source: 'ocsp', cached: false, expiresAt: until + 1 + 5000, detail: 'responder down', unreachable: true },
    'beyond staleGrace',
  );
});

t.test('staleGrace does not apply: zero grace, an authoritative unknown, a revocation in between', async (t) => {
  const zero = setup(t, { staleGrace: 0 });
  zero.ocsp.set(LEAF, good(T0 + MIN));
  await zero.checker.check(chain);
  zero.ocsp.set(LEAF, down);
  zero.at(T0 + MIN);
  t.match(await zero.checker.check(chain), { status: 'unknown', admit: false });

  const disowned = setup(t, { staleGrace: 30 * MIN });
  disowned.ocsp.set(LEAF, good(T0 + MIN));
  await disowned.checker.check(chain);
  disowned.ocsp.set(LEAF, ocspUnknown(T0 + 2 * MIN));
  disowned.at(T0 + MIN);
  t.same(
    await disowned.checker.check(chain),
    { status: 'unknown', admit: false, source: 'ocsp', cached: false, expiresAt: T0 + MIN + 5000, detail: 'ocsp unknown', unreachable: false },
    'authoritative unknown: no grace',
  );
  disowned.ocsp.set(LEAF, down);
  disowned.at(T0 + MIN + 5000);
  t.match(await disowned.checker.check(chain), { status: 'unknown', admit: false, source: 'ocsp' }, 'and the old good answer is forgotten');

  // issue 8: good, then revoked, the revoked answer lapses, the responder goes down
  const rv = setup(t, { staleGrace: 60 * MIN });
  rv.ocsp.set(LEAF, good(T0 + MIN));
  await rv.checker.check(chain);
  rv.at(T0 + MIN);
  rv.ocsp.set(LEAF, ocspRevoked(T0 + 2 * MIN));
  t.match(await rv.checker.check(chain), { status: 'revoked', admit: false });
  rv.at(T0 + 2 * MIN);
  rv.ocsp.set(LEAF, down);
  t.same(
    await rv.checker.check(chain),
    { status: 'unknown', admit: false, source: 'ocsp', cached: false, expiresAt: T0 + 2 * MIN + 5000, detail: 'responder down', unreachable: true },
    'never stale-grace good after a revocation',
  );
  t.same(rv.log.events('revocation_stale_grace'), []);

  const fo = setup(t, { staleGrace: 60 * MIN, failMode: 'open' });
  fo.ocsp.set(LEAF, good(T0 + MIN));
  await fo.checker.check(chain);
  fo.ocsp.set(LEAF, down);
  fo.at(T0 + MIN);
  t.match(await fo.checker.check(chain), { source: 'stale-grace' }, 'grace comes before failMode open');
  t.same(await fo.metric('certgate_revocation_fail_open_total'), []);
});

t.test('staleGrace needs every failed answer to be unreachable, along the whole chain', async (t) => {
  const mk = () => {
    const s = setup(t, { check: 'chain', staleGrace: 60 * MIN });
    s.ocsp.set(LEAF, good(T0 + MIN));
    s.ocsp.set(ICA, good(T0 + MIN));
    return s;
  };
  const a = mk();
  await a.checker.check(chain);
  a.at(T0 + MIN);
  a.ocsp.set(LEAF, down);
  a.ocsp.set(ICA, good(T0 + 10 * MIN));
  t.match(await a.checker.check(chain), { status: 'good', source: 'stale-grace' }, 'leaf unreachable, intermediate good: grace');
  const b = mk();
  await b.checker.check(chain);
  b.at(T0 + MIN);
  b.ocsp.set(LEAF, ocspUnknown(T0 + 10 * MIN));
  b.ocsp.set(ICA, good(T0 + 10 * MIN));
  t.match(await b.checker.check(chain), { status: 'unknown', admit: false, source: 'ocsp' }, 'leaf disowned, intermediate good: no grace');
});

t.test('a source that disappears (no source any more) ends the grace', async (t) => {
  const s = setup(t, { staleGrace: 60 * MIN });
  s.ocsp.set(LEAF, good(T0 + MIN));
  await s.checker.check(chain);
  s.ocsp.delete(LEAF);
  s.at(T0 + MIN);
  t.same(await s.checker.check(chain), {
    status: 'unknown',
    admit: false,
    source: 'none',
    cached: false,
    expiresAt: T0 + MIN + 5000,
    detail: 'no revocation source for CN=decision leaf',
    unreachable: false,
  });
});

t.test('a lone leaf whose issuer is not an anchor gets no grace from an earlier full-chain answer', async (t) => {
  const s = setup(t, { staleGrace: 60 * MIN });
  s.ocsp.set(certInfo(strangerLeaf.x509).serial, good(T0 + MIN));
  t.match(await s.checker.check([strangerLeaf.x509, strangerCa.x509]), { status: 'good', source: 'ocsp' });
  s.at(T0 + MIN);
  t.match(await s.checker.check([strangerLeaf.x509]), { status: 'unknown', admit: false, source: 'none', detail: 'issuer of the client certificate is unknown' });
});

t.test('a full chain is not extended with the anchor again', async (t) => {
  const s = setup(t, { check: 'chain', intermediateWithoutSource: 'unknown' }, [root.x509]);
  s.ocsp.set(DIRECT, good(T0 + MIN));
  t.match(await s.checker.check([directLeaf.x509, root.x509]), { status: 'good', source: 'ocsp' });
  t.same(s.calls, [`ocsp ${DIRECT}`], 'the anchor itself is never checked');
});

t.test('sources: [ocsp] with OCSP disabled reads no CRL', async (t) => {
  const s = setup(t, { sources: ['ocsp'], ocsp: { enabled: false, errorTtl: 5000 } });
  s.crl.set(LEAF, { kind: 'answer', status: 'revoked', detail: 'crl revoked' });
  t.match(await s.checker.check(chain), { status: 'unknown', source: 'none', detail: 'no revocation source for CN=decision leaf' });
  t.same(s.calls, []);
});

t.test('log lines carry component: revocation', async (t) => {
  const s = setup(t);
  s.ocsp.set(LEAF, ocspRevoked(T0 + MIN));
  await s.checker.check(chain);
  t.same(
    s.log.events('certificate_revoked').map((l) => l.component),
    ['revocation'],
  );
});
