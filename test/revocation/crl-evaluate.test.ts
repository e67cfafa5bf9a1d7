// The CRL decision (src/revocation/crl-evaluate.ts) on in-memory CRLs: real EC-signed CRLs from the
// project's factory, parsed by the real parser; variants of one signed CRL (IDP flags, delta
// numbers, times) are made by overriding parsed fields, which the signature does not cover here
// because the evaluator trusts the parser for them. No child process, no network: this file
// reruns for every revocation mutant under `npm run mutation`.
import t from 'tap';
import { x509 } from '../../src/pki/x509-library.js';
import { createCA, issueCertificate } from '../../src/pki/certificate-factory.js';
import { createCrl } from '../../src/pki/crl-factory.js';
import { certInfo, type CertInfo } from '../../src/x509/certificate-info.js';
import { parseCrl, type ParsedCrl, type CrlEntry } from '../../src/x509/crl-parser.js';
import { crlProblem, evaluateCrls, recordOf, type CrlRecord, type EvaluateOptions } from '../../src/revocation/crl-evaluate.js';
import { encodeTlv } from '../../src/x509/der-reader.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const SKEW = 60_000;
const HOUR = 3_600_000;
const opts = (over: Partial<EvaluateOptions> = {}): EvaluateOptions => ({ now: NOW, clockSkew: SKEW, ...over });

const ca = await createCA({ subject: 'CN=Eval CA,O=Certgate Test' });
const twin = await createCA({ subject: 'CN=Eval CA,O=Certgate Test' }); // same name, other key
const other = await createCA({ subject: 'CN=Other CA' });
const leafCert = await issueCertificate(ca, { subject: 'CN=leaf', serialNumber: '0a1b2c', crlUrls: ['http://crl.example/eval.crl'] });
const bareCert = await issueCertificate(ca, { subject: 'CN=bare', serialNumber: '0a1b2d' });
const leaf = certInfo(leafCert.x509);
const bare = certInfo(bareCert.x509);
const issuer = certInfo(ca.x509);
const asCA: CertInfo = { ...leaf, isCA: true };

const T0 = new Date(NOW - HOUR);
const NEXT = new Date(NOW + HOUR);
const REVOKED_AT = new Date(NOW - 2 * HOUR);
const parse = async (by: typeof ca, revoked: Array<{ serialNumber: string; reason?: x509.X509CrlReason }>, n = 1): Promise<ParsedCrl> =>
  parseCrl((await createCrl(by, { thisUpdate: T0, nextUpdate: NEXT, crlNumber: n, revoked: revoked.map((r) => ({ ...r, revocationDate: REVOKED_AT })) })).der);

const empty = await parse(ca, []);
const listsLeaf = await parse(ca, [{ serialNumber: '0a1b2c', reason: x509.X509CrlReason.keyCompromise }]);
const listsLeafNoReason = await parse(ca, [{ serialNumber: '0a1b2c' }]);
const holdsLeaf = await parse(ca, [{ serialNumber: '0a1b2c', reason: x509.X509CrlReason.certificateHold }]);
const removesLeaf = await parse(ca, [{ serialNumber: '0a1b2c', reason: x509.X509CrlReason.removeFromCRL }]);
const fromOther = await parse(other, []);
const fromTwin = await parse(twin, []);

const rec = (crl: ParsedCrl, origin = 'eval.crl'): CrlRecord => recordOf(crl, origin);
const variant = (crl: ParsedCrl, over: Partial<ParsedCrl>): ParsedCrl => ({ ...crl, ...over });
const IDP = { fullNames: [], hasRelativeName: false, onlyUserCerts: false, onlyCACerts: false, onlySomeReasons: false, indirectCRL: false, onlyAttributeCerts: false };
const ISSUER_NAME = 'CN=Eval CA,O=Certgate Test';

t.test('recordOf keeps the CRL and origin with an empty signature memo', async (t) => {
  const r = recordOf(empty, 'x.crl');
  t.equal(r.crl, empty);
  t.equal(r.origin, 'x.crl');
  t.equal(r.verified.size, 0);
});

t.test('no CRL at all is no-source', async (t) => {
  t.same(evaluateCrls([], leaf, issuer, opts()), { kind: 'no-source' });
});

t.test('not listed → good until nextUpdate', async (t) => {
  t.same(evaluateCrls([rec(empty)], leaf, issuer, opts()), { kind: 'answer', status: 'good', validUntil: NEXT.getTime(), detail: 'not listed in CRL eval.crl' });
  // another serial listed does not touch this one
  t.equal((evaluateCrls([rec(listsLeaf)], bare, issuer, opts()) as { status: string }).status, 'good');
});

t.test('revoked with reason and date', async (t) => {
  t.same(evaluateCrls([rec(listsLeaf)], leaf, issuer, opts()), {
    kind: 'answer',
    status: 'revoked',
    revokedAt: REVOKED_AT,
    reason: 'keyCompromise',
    validUntil: NEXT.getTime(),
    detail: `revoked at ${REVOKED_AT.toISOString()} (keyCompromise) per CRL eval.crl`,
  });
  t.same(evaluateCrls([rec(listsLeafNoReason)], leaf, issuer, opts()), {
    kind: 'answer',
    status: 'revoked',
    revokedAt: REVOKED_AT,
    reason: undefined,
    validUntil: NEXT.getTime(),
    detail: `revoked at ${REVOKED_AT.toISOString()} per CRL eval.crl`,
  });
  t.match(evaluateCrls([rec(holdsLeaf)], leaf, issuer, opts()), { kind: 'answer', status: 'revoked', reason: 'certificateHold' }, 'on hold counts as revoked');
});

t.test('removeFromCRL in a complete CRL is good', async (t) => {
  t.same(evaluateCrls([rec(removesLeaf)], leaf, issuer, opts()), { kind: 'answer', status: 'good', validUntil: NEXT.getTime(), detail: 'removed from CRL eval.crl' });
});

t.test('a CRL without nextUpdate has no validUntil', async (t) => {
  t.same(evaluateCrls([rec(variant(empty, { nextUpdate: undefined }))], leaf, issuer, opts()), {
    kind: 'answer',
    status: 'good',
    validUntil: undefined,
    detail: 'not listed in CRL eval.crl',
  });
});

t.test('an entry with an unsupported critical extension is an error', async (t) => {
  const crl = variant(listsLeaf, { entry: (s: string): CrlEntry | undefined => (s === leaf.serial ? { revokedAt: REVOKED_AT, unsupportedCritical: '2.5.29.29' } : undefined) });
  t.same(evaluateCrls([rec(crl)], leaf, issuer, opts()), { kind: 'error', detail: 'CRL entry has unsupported critical extension 2.5.29.29' });
});

t.test('crlProblem refusals, literally', async (t) => {
  const p = (crl: ParsedCrl, cert: CertInfo = leaf, iss: CertInfo = issuer, o = opts()) => crlProblem(rec(crl), cert, iss, o);
  t.equal(p(empty), undefined, "the issuer's own fresh CRL is usable");
  t.equal(p(fromOther), 'issued by another name');
  t.equal(p(fromTwin), 'signed by another key of this CA');
  t.equal(p(variant(fromTwin, { authorityKeyId: undefined })), 'bad signature', 'no AKI: the signature decides');
  t.equal(p(fromTwin, leaf, { ...issuer, subjectKeyId: undefined }), 'bad signature', 'no SKI: the signature decides');
  t.equal(p(variant(empty, { unsupportedCritical: '1.2.3.4' })), 'unsupported critical extension 1.2.3.4');
  t.equal(p(variant(empty, { idp: { ...IDP, indirectCRL: true } })), 'indirect CRLs are not supported');
  t.equal(p(variant(empty, { idp: { ...IDP, onlySomeReasons: true } })), 'partitioned by reason (onlySomeReasons) is not supported');
  t.equal(p(variant(empty, { idp: { ...IDP, onlyAttributeCerts: true } })), 'covers attribute certificates only');
  t.equal(p(variant(empty, { idp: { ...IDP, onlyUserCerts: true } }), asCA), 'covers end-entity certificates only');
  t.equal(p(variant(empty, { idp: { ...IDP, onlyUserCerts: true } }), leaf), undefined);
  t.equal(p(variant(empty, { idp: { ...IDP, onlyCACerts: true } }), leaf), 'covers CA certificates only');
  t.equal(p(variant(empty, { idp: { ...IDP, onlyCACerts: true } }), asCA), undefined);
  t.equal(p(variant(empty, { idp: { ...IDP, hasRelativeName: true } })), 'nameRelativeToCRLIssuer is not supported');
  t.equal(p(variant(empty, { idp: { ...IDP } })), undefined, 'an IDP with nothing set is fine');
});

t.test('distribution point matching (RFC 5280 6.3.3 (b)(2)(i))', async (t) => {
  const p = (names: string[], cert: CertInfo) => crlProblem(rec(variant(empty, { idp: { ...IDP, fullNames: names } })), cert, issuer, opts());
  const dpName = leaf.crlDistributionPoints[0]!.fullNames[0]!;
  t.ok(dpName, 'the leaf names a distribution point');
  const issuerAsDirName = encodeTlv(0xa4, empty.issuerDer).toString('hex');
  t.equal(p([dpName], leaf), undefined, 'the certificate names this distribution point');
  t.equal(p(['86016x', dpName], leaf), undefined, 'any of the IDP names may match');
  t.equal(p(['8601aa'], leaf), 'distribution point does not match the certificate');
  t.equal(p([issuerAsDirName], leaf), 'distribution point does not match the certificate', 'with a DP, the issuer name does not stand in');
  t.equal(p([issuerAsDirName], bare), undefined, "without a DP, the issuer's name as directoryName matches");
  t.equal(p(['8601aa'], bare), 'distribution point does not match the certificate');
  t.equal(p([], bare), undefined, 'no fullName: not partitioned');
  // several distribution points, several names each: any name of any of them may match
  const many: CertInfo = {
    ...leaf,
    crlDistributionPoints: [
      { fullNames: ['8601aa'], urls: [], partial: false },
      { fullNames: ['8601bb', '8601cc'], urls: [], partial: false },
    ],
  };
  t.equal(p(['8601cc'], many), undefined, 'second name of the second distribution point');
  t.equal(p(['8601dd'], many), 'distribution point does not match the certificate');
});

t.test('thisUpdate in the future beyond the clock skew is refused; at the edge it is accepted', async (t) => {
  const at = (ms: number) => crlProblem(rec(variant(empty, { thisUpdate: new Date(ms) })), leaf, issuer, opts());
  t.equal(at(NOW + SKEW), undefined);
  t.equal(at(NOW + SKEW + 1), `thisUpdate ${new Date(NOW + SKEW + 1).toISOString()} is in the future`);
  t.equal(
    crlProblem(rec(variant(empty, { thisUpdate: new Date(NOW + 1) })), leaf, issuer, opts({ clockSkew: 0 })),
    `thisUpdate ${new Date(NOW + 1).toISOString()} is in the future`,
  );
});

t.test('issuer keyUsage: cRLSign required when keyUsage is present', async (t) => {
  const noCrlSign: CertInfo = { ...issuer, thumbprint: 'no-crl-sign', keyUsage: { digitalSignature: true, keyCertSign: true, cRLSign: false } };
  const noKeyUsage: CertInfo = { ...issuer, thumbprint: 'no-key-usage', keyUsage: undefined };
  const invalid: string[] = [];
  const o = opts({ onInvalid: (r, why) => invalid.push(`${r.origin}: ${why}`) });
  const r = rec(empty);
  t.equal(crlProblem(r, leaf, noCrlSign, o), 'issuer lacks cRLSign');
  t.equal(crlProblem(r, leaf, noKeyUsage, o), undefined, 'no keyUsage extension: every use allowed');
  t.equal(crlProblem(r, leaf, issuer, o), undefined);
  t.same(invalid, ['eval.crl: issuer lacks cRLSign']);
  t.same(
    [...r.verified.entries()],
    [
      ['no-crl-sign', false],
      ['no-key-usage', true],
      [issuer.thumbprint, true],
    ],
  );
});

t.test('a bad signature is refused, reported once, and remembered per issuer', async (t) => {
  const invalid: string[] = [];
  const o = opts({ onInvalid: (r, why) => invalid.push(`${r.origin}: ${why}`) });
  const forged = rec(variant(fromTwin, { authorityKeyId: undefined }), 'forged.crl');
  t.equal(crlProblem(forged, leaf, issuer, o), 'bad signature');
  t.equal(crlProblem(forged, leaf, issuer, o), 'bad signature', 'the memo keeps the verdict');
  t.same(invalid, ['forged.crl: bad signature'], 'logged once');
  t.same([...forged.verified.entries()], [[issuer.thumbprint, false]]);
  // A memo that says "good" is trusted (the signature is checked once per issuer)
  const memo = rec(variant(fromTwin, { authorityKeyId: undefined }), 'memo.crl');
  memo.verified.set(issuer.thumbprint, true);
  t.equal(crlProblem(memo, leaf, issuer, o), undefined);
  t.same(invalid, ['forged.crl: bad signature']);
  t.equal(crlProblem(rec(listsLeaf), leaf, issuer, opts()), undefined, 'no onInvalid callback is fine');
  t.equal(crlProblem(rec(variant(fromTwin, { authorityKeyId: undefined })), leaf, issuer, opts()), 'bad signature', 'no onInvalid callback is fine on failure too');
});

t.test('no usable CRL: error naming every problem; none applicable: no-source', async (t) => {
  t.same(evaluateCrls([rec(fromOther, 'a.crl'), rec(variant(empty, { unsupportedCritical: '1.2.3' }), 'b.crl')], leaf, issuer, opts()), {
    kind: 'error',
    detail: `no usable CRL for ${ISSUER_NAME}: a.crl: issued by another name; b.crl: unsupported critical extension 1.2.3`,
  });
  // a problem CRL beside a usable one does not matter
  t.match(evaluateCrls([rec(fromOther, 'a.crl'), rec(listsLeaf)], leaf, issuer, opts()), { kind: 'answer', status: 'revoked' });
  // only a delta CRL, no complete one
  t.same(evaluateCrls([rec(variant(listsLeaf, { deltaBase: 1n, crlNumber: 2n }))], leaf, issuer, opts()), { kind: 'no-source' });
});

t.test('past nextUpdate: stale (counts as unknown); exactly at nextUpdate still fresh', async (t) => {
  const r = rec(empty);
  t.same(evaluateCrls([r], leaf, issuer, opts({ now: NEXT.getTime() + 1 })), {
    kind: 'stale',
    record: r,
    detail: `CRL eval.crl from ${ISSUER_NAME} is past nextUpdate ${NEXT.toISOString()}`,
  });
  t.match(evaluateCrls([r], leaf, issuer, opts({ now: NEXT.getTime() })), { kind: 'answer', status: 'good' });
});

t.test('the newest complete CRL speaks', async (t) => {
  const older = rec(variant(listsLeaf, { thisUpdate: new Date(NOW - 2 * HOUR), crlNumber: 9n }), 'older.crl');
  const newer = rec(variant(empty, { crlNumber: 3n }), 'newer.crl');
  t.match(evaluateCrls([older, newer], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL newer.crl' });
  t.match(evaluateCrls([newer, older], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL newer.crl' });
  // an older one listing the cert, the newest not: newest wins the other way round too
  const oldGood = rec(variant(empty, { thisUpdate: new Date(NOW - 2 * HOUR) }), 'old-good.crl');
  t.match(evaluateCrls([oldGood, rec(listsLeaf, 'new-revoked.crl')], leaf, issuer, opts()), { status: 'revoked', detail: /new-revoked\.crl$/ });
  // same thisUpdate: the higher cRLNumber wins
  const n2 = rec(variant(listsLeaf, { crlNumber: 2n }), 'n2.crl');
  const n3 = rec(variant(empty, { crlNumber: 3n }), 'n3.crl');
  t.match(evaluateCrls([n2, n3], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL n3.crl' });
  t.match(evaluateCrls([n3, n2], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL n3.crl' });
  const n4 = rec(variant(listsLeaf, { crlNumber: 4n }), 'n4.crl');
  t.match(evaluateCrls([n3, n4], leaf, issuer, opts()), { status: 'revoked', detail: /n4\.crl$/ });
  // no cRLNumber counts as 0
  const none = rec(variant(listsLeaf, { crlNumber: undefined }), 'none.crl');
  t.match(evaluateCrls([none, n3], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL n3.crl' });
  t.match(evaluateCrls([n3, none], leaf, issuer, opts()), { status: 'good', detail: 'not listed in CRL n3.crl' });
  // a stale newest CRL is not rescued by an older fresh one
  const staleNewest = rec(variant(empty, { thisUpdate: new Date(NOW - HOUR), nextUpdate: new Date(NOW - 1) }), 'stale.crl');
  const olderFresh = rec(variant(empty, { thisUpdate: new Date(NOW - 2 * HOUR) }), 'fresh.crl');
  t.match(evaluateCrls([olderFresh, staleNewest], leaf, issuer, opts()), { kind: 'stale', record: staleNewest });
});

t.test('delta CRLs (RFC 5280 5.2.4)', async (t) => {
  const base = (n: bigint | undefined, crl = empty) => rec(variant(crl, { crlNumber: n }), 'base.crl');
  const delta = (crl: ParsedCrl, base: bigint, n: bigint | undefined, origin = 'delta.crl', over: Partial<ParsedCrl> = {}) =>
    rec(variant(crl, { deltaBase: base, crlNumber: n, ...over }), origin);
  const deltaNext = NOW + HOUR / 2;
  const revokedPerDelta = {
    kind: 'answer',
    status: 'revoked',
    revokedAt: REVOKED_AT,
    reason: 'keyCompromise',
    validUntil: NEXT.getTime(),
    detail: `revoked at ${REVOKED_AT.toISOString()} (keyCompromise) per CRL delta.crl`,
  };
  t.same(evaluateCrls([base(5n), delta(listsLeaf, 5n, 6n)], leaf, issuer, opts()), revokedPerDelta, 'delta lists the cert');
  t.same(evaluateCrls([base(5n), delta(listsLeaf, 4n, 6n)], leaf, issuer, opts()), revokedPerDelta, 'deltaBase below the base number applies');
  t.match(
    evaluateCrls([base(5n), delta(listsLeaf, 6n, 7n)], leaf, issuer, opts()),
    { status: 'good', detail: 'not listed in CRL base.crl' },
    'deltaBase above the base number: ignored',
  );
  t.match(evaluateCrls([base(5n), delta(listsLeaf, 5n, 5n)], leaf, issuer, opts()), { status: 'good' }, 'delta number not above the base: ignored');
  t.match(evaluateCrls([base(5n), delta(listsLeaf, 5n, undefined)], leaf, issuer, opts()), { status: 'good' }, 'delta without number: ignored');
  t.match(evaluateCrls([base(undefined), delta(listsLeaf, 0n, 6n)], leaf, issuer, opts()), { status: 'good' }, 'base without number: no delta applies');
  t.match(evaluateCrls([base(5n), delta(listsLeaf, 5n, 6n, 'delta.crl', { nextUpdate: new Date(NOW - 1) })], leaf, issuer, opts()), { status: 'good' }, 'stale delta: ignored');
  t.match(
    evaluateCrls([base(5n), delta(listsLeaf, 5n, 6n, 'delta.crl', { nextUpdate: new Date(NOW) })], leaf, issuer, opts()),
    { status: 'revoked' },
    'delta at its nextUpdate: used',
  );
  // the delta's nextUpdate bounds the answer, also when it does not list the cert
  t.same(evaluateCrls([base(5n), delta(empty, 5n, 6n, 'delta.crl', { nextUpdate: new Date(deltaNext) })], leaf, issuer, opts()), {
    kind: 'answer',
    status: 'good',
    validUntil: deltaNext,
    detail: 'not listed in CRL base.crl',
  });
  t.same(
    evaluateCrls([base(5n), delta(empty, 5n, 6n, 'delta.crl', { nextUpdate: new Date(NEXT.getTime() + HOUR) })], leaf, issuer, opts()),
    { kind: 'answer', status: 'good', validUntil: NEXT.getTime(), detail: 'not listed in CRL base.crl' },
    'a later delta nextUpdate does not extend',
  );
  t.same(
    evaluateCrls([base(5n), delta(empty, 5n, 6n, 'delta.crl', { nextUpdate: undefined })], leaf, issuer, opts()),
    { kind: 'answer', status: 'good', validUntil: NEXT.getTime(), detail: 'not listed in CRL base.crl' },
    'delta without nextUpdate',
  );
  t.same(
    evaluateCrls(
      [rec(variant(empty, { crlNumber: 5n, nextUpdate: undefined }), 'base.crl'), delta(empty, 5n, 6n, 'delta.crl', { nextUpdate: new Date(deltaNext) })],
      leaf,
      issuer,
      opts(),
    ),
    { kind: 'answer', status: 'good', validUntil: deltaNext, detail: 'not listed in CRL base.crl' },
    "base without nextUpdate: the delta's",
  );
  // release from hold
  t.same(evaluateCrls([base(5n, holdsLeaf), delta(removesLeaf, 5n, 6n)], leaf, issuer, opts()), {
    kind: 'answer',
    status: 'good',
    validUntil: NEXT.getTime(),
    detail: 'released from hold per delta CRL delta.crl',
  });
  // the highest-numbered applicable delta speaks
  t.match(evaluateCrls([base(5n), delta(removesLeaf, 5n, 6n, 'd6.crl'), delta(holdsLeaf, 5n, 7n, 'd7.crl')], leaf, issuer, opts()), {
    status: 'revoked',
    reason: 'certificateHold',
  });
  t.match(evaluateCrls([base(5n), delta(holdsLeaf, 5n, 7n, 'd7.crl'), delta(removesLeaf, 5n, 6n, 'd6.crl')], leaf, issuer, opts()), {
    status: 'revoked',
    reason: 'certificateHold',
  });
  t.match(evaluateCrls([base(5n, holdsLeaf), delta(holdsLeaf, 5n, 6n, 'd6.crl'), delta(removesLeaf, 5n, 8n, 'd8.crl')], leaf, issuer, opts()), {
    status: 'good',
    detail: 'released from hold per delta CRL d8.crl',
  });
  // an entry with an unsupported critical extension in the delta
  const bad = variant(listsLeaf, { entry: (s: string) => (s === leaf.serial ? { revokedAt: REVOKED_AT, unsupportedCritical: '2.5.29.29' } : undefined) });
  t.same(evaluateCrls([base(5n), delta(bad, 5n, 6n)], leaf, issuer, opts()), { kind: 'error', detail: 'delta CRL entry has unsupported critical extension 2.5.29.29' });
  // not listed in the delta: the base decides
  t.match(evaluateCrls([base(5n, listsLeaf), delta(empty, 5n, 6n)], leaf, issuer, opts()), { status: 'revoked', detail: /per CRL base\.crl$/ });
});
