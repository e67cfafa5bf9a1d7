// OCSP response validation (src/revocation/ocsp-response.ts) on in-memory responses built with
// pkijs/asn1js and signed with EC keys made once for the file: every refusal code and the answer
// fields literally. No responder process, no network: this file reruns for every revocation
// mutant under `npm run mutation`.
import t from 'tap';
import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { createCA, issueCertificate, type IssuedCertificate } from '../../src/pki/certificate-factory.js';
import { certInfo } from '../../src/x509/certificate-info.js';
import { validateOcspResponse, type ValidateOptions } from '../../src/revocation/ocsp-response.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const SKEW = 60_000;
const MIN = 60_000;
const OID_NONCE = '1.3.6.1.5.5.7.48.1.2';
const OID_SHA1 = '1.3.14.3.2.26';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

const ca = await createCA({ subject: 'CN=OCSP Unit CA' });
const other = await createCA({ subject: 'CN=Other CA' });
const leafCert = await issueCertificate(ca, { subject: 'CN=leaf', serialNumber: '0badc0de' });
const leaf = certInfo(leafCert.x509);
const issuer = certInfo(ca.x509);
const wideValidity = { notBefore: new Date(NOW - 24 * 60 * MIN), notAfter: new Date(NOW + 24 * 60 * MIN) };
const responder = await issueCertificate(ca, { subject: 'CN=Responder,O=Certgate Test', extendedKeyUsage: ['OCSPSigning'], ...wideValidity });
const noEku = await issueCertificate(ca, { subject: 'CN=No EKU', extendedKeyUsage: ['clientAuth'], ...wideValidity });
const noDigitalSignature = await issueCertificate(ca, { subject: 'CN=No DS', extendedKeyUsage: ['OCSPSigning'], keyUsage: ['keyAgreement'], ...wideValidity });
const foreign = await issueCertificate(other, { subject: 'CN=Foreign', extendedKeyUsage: ['OCSPSigning'], ...wideValidity });
// validity edges with the clock skew (whole seconds, as certificates carry them)
const notYet = await issueCertificate(ca, { subject: 'CN=Not Yet', extendedKeyUsage: ['OCSPSigning'], notBefore: new Date(NOW + SKEW + 1000), notAfter: new Date(NOW + 60 * MIN) });
const justValidFrom = await issueCertificate(ca, {
  subject: 'CN=Edge From',
  extendedKeyUsage: ['OCSPSigning'],
  notBefore: new Date(NOW + SKEW),
  notAfter: new Date(NOW + 60 * MIN),
});
const expired = await issueCertificate(ca, {
  subject: 'CN=Expired',
  extendedKeyUsage: ['OCSPSigning'],
  notBefore: new Date(NOW - 60 * MIN),
  notAfter: new Date(NOW - SKEW - 1000),
});
const justValidTo = await issueCertificate(ca, { subject: 'CN=Edge To', extendedKeyUsage: ['OCSPSigning'], notBefore: new Date(NOW - 60 * MIN), notAfter: new Date(NOW - SKEW) });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

const keyOf = (c: IssuedCertificate): KeyObject => KeyObject.from(c.privateKey);
const NONCE = Buffer.from(new asn1js.OctetString({ valueHex: Buffer.alloc(16, 7) }).toBER(false));

type Status = { good: true } | { unknown: true } | { revokedAt: Date; reason?: number } | { block: asn1js.BaseBlock };
interface Build {
  status?: Status;
  signer?: KeyObject;
  certs?: IssuedCertificate[];
  thisUpdate?: number;
  nextUpdate?: number | null;
  nonce?: Buffer | null;
  extensions?: pkijs.Extension[];
  serial?: Buffer;
  hashOid?: string;
  nameHash?: Buffer;
  keyHash?: Buffer;
  /** Extra SingleResponses before ours. */
  before?: pkijs.SingleResponse[];
  unusedBits?: number;
  responseStatus?: number;
  responseType?: string;
  omitBytes?: boolean;
  rawBasic?: ArrayBuffer;
}

function single(b: Build): pkijs.SingleResponse {
  const alg = b.hashOid ?? OID_SHA1;
  const h = alg === OID_SHA256 ? 'sha256' : 'sha1';
  const certID = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: alg, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: b.nameHash ?? createHash(h).update(leaf.issuerDer).digest() }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: b.keyHash ?? createHash(h).update(issuer.publicKeyBits).digest() }),
    serialNumber: new asn1js.Integer({ valueHex: b.serial ?? leaf.serialBytes }),
  });
  const s = b.status ?? { good: true };
  let certStatus: asn1js.BaseBlock;
  if ('block' in s) certStatus = s.block;
  else if ('good' in s) certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  else if ('unknown' in s) certStatus = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
  else {
    certStatus = new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 1 },
      value: [
        new asn1js.GeneralizedTime({ valueDate: s.revokedAt }),
        ...(s.reason !== undefined ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: s.reason })] })] : []),
      ],
    });
  }
  const thisUpdate = b.thisUpdate ?? NOW - MIN;
  const nextUpdate = b.nextUpdate === undefined ? NOW + 5 * MIN : b.nextUpdate;
  return new pkijs.SingleResponse({ certID, certStatus, thisUpdate: new Date(thisUpdate), ...(nextUpdate !== null ? { nextUpdate: new Date(nextUpdate) } : {}) });
}

function build(b: Build = {}): Buffer {
  if (b.responseStatus !== undefined && b.responseStatus !== 0) {
    return Buffer.from(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: b.responseStatus }) }).toSchema().toBER(false));
  }
  const extensions = [...(b.extensions ?? [])];
  const nonce = b.nonce === undefined ? NONCE : b.nonce;
  if (nonce) extensions.push(new pkijs.Extension({ extnID: OID_NONCE, extnValue: new Uint8Array(nonce).buffer }));
  const rd = new pkijs.ResponseData({
    responderID: new asn1js.OctetString({ valueHex: Buffer.alloc(20, 1) }),
    producedAt: new Date(NOW - MIN),
    responses: [...(b.before ?? []), single(b)],
    ...(extensions.length ? { responseExtensions: extensions } : {}),
  });
  const tbs = Buffer.from((rd.toSchema(true) as asn1js.Sequence).toBER(false));
  rd.tbsView = new Uint8Array(tbs);
  const key = b.signer ?? keyOf(ca);
  const sig = sign('sha256', tbs, { key, dsaEncoding: 'der' });
  const basic = new pkijs.BasicOCSPResponse({
    tbsResponseData: rd,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_SHA256 }),
    signature: new asn1js.BitString({ valueHex: sig, unusedBits: b.unusedBits ?? 0 }),
    ...(b.certs ? { certs: b.certs.map((c) => pkijs.Certificate.fromBER(c.der)) } : {}),
  });
  const resp = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    ...(b.omitBytes
      ? {}
      : {
          responseBytes: new pkijs.ResponseBytes({
            responseType: b.responseType ?? '1.3.6.1.5.5.7.48.1.1',
            response: new asn1js.OctetString({ valueHex: b.rawBasic ?? basic.toSchema().toBER(false) }),
          }),
        }),
  });
  return Buffer.from(resp.toSchema().toBER(false));
}

const o = (over: Partial<ValidateOptions> = {}): ValidateOptions => ({ cert: leaf, issuer, nonce: NONCE, now: NOW, clockSkew: SKEW, ...over });
const v = (b: Build = {}, over: Partial<ValidateOptions> = {}) => validateOcspResponse(build(b), o(over));
const THIS = new Date(NOW - MIN);
const NEXT = new Date(NOW + 5 * MIN);

t.test('answers from the issuer, literally', async (t) => {
  t.same(v(), { ok: true, status: 'good', thisUpdate: THIS, nextUpdate: NEXT, signedBy: 'issuer' });
  t.same(v({ status: { unknown: true } }), { ok: true, status: 'unknown', thisUpdate: THIS, nextUpdate: NEXT, signedBy: 'issuer' });
  const at = new Date(NOW - 30 * MIN);
  t.same(v({ status: { revokedAt: at, reason: 1 } }), {
    ok: true,
    status: 'revoked',
    thisUpdate: THIS,
    nextUpdate: NEXT,
    signedBy: 'issuer',
    revokedAt: at,
    reason: 'keyCompromise',
  });
  t.same(
    v({ status: { revokedAt: at, reason: 6 } }),
    { ok: true, status: 'revoked', thisUpdate: THIS, nextUpdate: NEXT, signedBy: 'issuer', revokedAt: at, reason: 'certificateHold' },
    'on hold',
  );
  t.same(v({ status: { revokedAt: at, reason: 0 } }), {
    ok: true,
    status: 'revoked',
    thisUpdate: THIS,
    nextUpdate: NEXT,
    signedBy: 'issuer',
    revokedAt: at,
    reason: 'unspecified',
  });
  t.same(v({ status: { revokedAt: at, reason: 42 } }), { ok: true, status: 'revoked', thisUpdate: THIS, nextUpdate: NEXT, signedBy: 'issuer', revokedAt: at, reason: 'reason42' });
  const noReason = v({ status: { revokedAt: at } });
  t.same(noReason, { ok: true, status: 'revoked', thisUpdate: THIS, nextUpdate: NEXT, signedBy: 'issuer', revokedAt: at });
  t.notOk('reason' in noReason, 'no reason key without a reason');
  t.same(v({ nextUpdate: null }), { ok: true, status: 'good', thisUpdate: THIS, nextUpdate: undefined, signedBy: 'issuer' }, 'no nextUpdate');
});

t.test('revokedInfo of the wrong shape is refused by the decoder (malformed, never good)', async (t) => {
  const weird = (value: asn1js.BaseBlock[]) => v({ status: { block: new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value }) } });
  const at = new Date(NOW - 30 * MIN);
  const undecodable = { ok: false, code: 'malformed', detail: /^undecodable response: / };
  t.match(weird([new asn1js.UTCTime({ valueDate: at })]), undecodable, 'UTCTime instead of GeneralizedTime');
  t.match(
    weird([new asn1js.GeneralizedTime({ valueDate: at }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Integer({ value: 1 })] })]),
    undecodable,
    'reason not ENUMERATED',
  );
  t.match(weird([]), undecodable, 'empty RevokedInfo');
  t.match(v({ status: { block: new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 1 } }) } }), undecodable, 'primitive [1]');
});

t.test('certStatus outside good/revoked/unknown is refused by the decoder (malformed)', async (t) => {
  t.match(v({ status: { block: new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 3 } }) } }), { ok: false, code: 'malformed', detail: /^undecodable response: / });
  t.match(v({ status: { block: new asn1js.Null() } }), { ok: false, code: 'malformed', detail: /^undecodable response: / }, 'universal NULL (tag 5)');
  t.match(
    v({ status: { block: new asn1js.Primitive({ idBlock: { tagClass: 2, tagNumber: 0 } }) } }),
    { ok: false, code: 'malformed', detail: /^undecodable response: / },
    'application class [0]',
  );
});

t.test('responder status and envelope', async (t) => {
  t.same(v({ responseStatus: 1 }), { ok: false, code: 'responder-status', detail: 'responder answered malformedRequest' });
  t.same(v({ responseStatus: 2 }), { ok: false, code: 'responder-status', detail: 'responder answered internalError' });
  t.same(v({ responseStatus: 3 }), { ok: false, code: 'responder-status', detail: 'responder answered tryLater' });
  t.same(v({ responseStatus: 4 }), { ok: false, code: 'responder-status', detail: 'responder answered status4' });
  t.same(v({ responseStatus: 5 }), { ok: false, code: 'responder-status', detail: 'responder answered sigRequired' });
  t.same(v({ responseStatus: 6 }), { ok: false, code: 'responder-status', detail: 'responder answered unauthorized' });
  t.same(v({ responseStatus: 9 }), { ok: false, code: 'responder-status', detail: 'responder answered 9' });
  t.same(v({ omitBytes: true }), { ok: false, code: 'malformed', detail: 'not a basic OCSP response' });
  t.same(v({ responseType: '1.3.6.1.5.5.7.48.1.2' }), { ok: false, code: 'malformed', detail: 'not a basic OCSP response' });
  const garbage = validateOcspResponse(Buffer.from('not der at all'), o());
  t.equal(garbage.ok, false);
  t.match(garbage, { code: 'malformed', detail: /^undecodable response: ./ });
  t.match(
    v({ rawBasic: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]).buffer }),
    { ok: false, code: 'malformed', detail: /^undecodable response: ./ },
    'basic response of the wrong shape',
  );
  t.same(v({ unusedBits: 1 }), { ok: false, code: 'bad-signature', detail: 'signature has unused bits' });
});

t.test('who may sign (RFC 6960 4.2.2.2)', async (t) => {
  const notAuthorized = 'response signed by a certificate not authorized for OCSP: ';
  t.same(v({ signer: stranger }), { ok: false, code: 'bad-signature', detail: 'signature does not verify with the issuer or an included responder certificate' });
  t.same(
    v({ signer: stranger, certs: [responder] }),
    { ok: false, code: 'bad-signature', detail: 'signature does not verify with the issuer or an included responder certificate' },
    'included cert did not sign',
  );
  t.same(v({ signer: keyOf(responder), certs: [responder] }), {
    ok: true,
    status: 'good',
    thisUpdate: THIS,
    nextUpdate: NEXT,
    signedBy: responder.x509.subject.replace(/\n/g, ', '),
  });
  t.equal((v({ signer: keyOf(responder), certs: [responder] }) as { signedBy: string }).signedBy, 'O=Certgate Test, CN=Responder');
  t.match(v({ signer: keyOf(responder), certs: [noEku, responder] }), { ok: true, signedBy: 'O=Certgate Test, CN=Responder' }, 'a non-signing cert before the signer is skipped');
  t.match(v({ certs: [noEku] }), { ok: true, signedBy: 'issuer' }, "the issuer's signature needs no certificate");
  t.same(
    v({ signer: keyOf(responder) }),
    { ok: false, code: 'bad-signature', detail: 'signature does not verify with the issuer or an included responder certificate' },
    'delegated without its certificate',
  );
  t.same(v({ signer: keyOf(noEku), certs: [noEku] }), { ok: false, code: 'unauthorized-signer', detail: `${notAuthorized}CN=No EKU lacks id-kp-OCSPSigning` });
  t.same(v({ signer: keyOf(noDigitalSignature), certs: [noDigitalSignature] }), {
    ok: false,
    code: 'unauthorized-signer',
    detail: `${notAuthorized}CN=No DS keyUsage lacks digitalSignature`,
  });
  t.same(v({ signer: keyOf(foreign), certs: [foreign] }), {
    ok: false,
    code: 'unauthorized-signer',
    detail: `${notAuthorized}CN=Foreign is not issued by the certificate's issuer`,
  });
  t.same(
    v({ signer: keyOf(noEku), certs: [noEku, noEku] }),
    { ok: false, code: 'unauthorized-signer', detail: `${notAuthorized}CN=No EKU lacks id-kp-OCSPSigning; CN=No EKU lacks id-kp-OCSPSigning` },
    'every refusal is listed',
  );
  // the responder certificate's validity, with the clock skew at both edges
  t.same(v({ signer: keyOf(notYet), certs: [notYet] }), { ok: false, code: 'unauthorized-signer', detail: `${notAuthorized}CN=Not Yet is outside its validity period` });
  t.match(v({ signer: keyOf(justValidFrom), certs: [justValidFrom] }), { ok: true, signedBy: 'CN=Edge From' });
  t.same(v({ signer: keyOf(expired), certs: [expired] }), { ok: false, code: 'unauthorized-signer', detail: `${notAuthorized}CN=Expired is outside its validity period` });
  t.match(v({ signer: keyOf(justValidTo), certs: [justValidTo] }), { ok: true, signedBy: 'CN=Edge To' });
});

t.test("a CA-named certificate with the issuer's name but another key is not the issuer", async (t) => {
  const impostor = await createCA({ subject: 'CN=OCSP Unit CA' });
  const fakeResponder = await issueCertificate(impostor, { subject: 'CN=Fake', extendedKeyUsage: ['OCSPSigning'], ...wideValidity });
  t.same(v({ signer: keyOf(fakeResponder), certs: [fakeResponder] }), {
    ok: false,
    code: 'unauthorized-signer',
    detail: "response signed by a certificate not authorized for OCSP: CN=Fake is not issued by the certificate's issuer",
  });
});

t.test("a responder certificate with the CA's name and key id but a broken CA signature is refused", async (t) => {
  const tampered = Buffer.from(responder.der);
  tampered.writeUInt8(tampered.readUInt8(tampered.length - 1) ^ 0x01, tampered.length - 1); // last byte of the CA's ECDSA signature value
  t.same(v({ signer: keyOf(responder), certs: [{ der: tampered } as IssuedCertificate] }), {
    ok: false,
    code: 'unauthorized-signer',
    detail: "response signed by a certificate not authorized for OCSP: CN=Responder\nO=Certgate Test is not issued by the certificate's issuer".replace(
      'CN=Responder\nO=Certgate Test',
      responder.x509.subject,
    ),
  });
});

t.test('nonce (RFC 8954)', async (t) => {
  t.same(v({ nonce: null }), { ok: false, code: 'nonce-missing', detail: 'nonce sent but not echoed' });
  t.same(
    v({ nonce: null, extensions: [new pkijs.Extension({ extnID: '1.2.3.4', extnValue: new asn1js.Null().toBER(false) })] }),
    { ok: false, code: 'nonce-missing', detail: 'nonce sent but not echoed' },
    'other extension only',
  );
  const wrong = Buffer.from(new asn1js.OctetString({ valueHex: Buffer.alloc(16, 8) }).toBER(false));
  t.same(v({ nonce: wrong }), { ok: false, code: 'nonce-mismatch', detail: 'echoed nonce differs from ours' });
  t.match(
    v({ nonce: NONCE, extensions: [new pkijs.Extension({ extnID: '1.2.3.4', extnValue: new asn1js.Null().toBER(false) })] }),
    { ok: true, status: 'good' },
    'found among other extensions',
  );
  t.match(v({ nonce: null }, { nonce: undefined }), { ok: true, status: 'good' }, 'no nonce sent, none needed');
  t.match(v({ nonce: wrong }, { nonce: undefined }), { ok: true, status: 'good' }, 'no nonce sent: an echoed one is not compared');
});

t.test('CertID must match the certificate asked about', async (t) => {
  const mismatch = { ok: false, code: 'certid-mismatch', detail: 'no response for the requested CertID' };
  t.same(v({ serial: Buffer.from('0badc0df', 'hex') }), mismatch, 'other serial');
  t.same(v({ nameHash: Buffer.alloc(20) }), mismatch, 'other issuer name');
  t.same(v({ keyHash: Buffer.alloc(20) }), mismatch, 'other issuer key');
  t.same(v({ hashOid: '1.2.3.4' }), mismatch, 'unsupported hash algorithm');
  t.match(v({ hashOid: OID_SHA256 }), { ok: true, status: 'good' }, 'SHA-256 CertID');
  t.match(v({ serial: Buffer.from('000badc0de', 'hex') }), { ok: true }, 'a redundant leading zero byte in the serial is the same number');
  const revokedOther = single({ serial: Buffer.from('01', 'hex'), status: { revokedAt: new Date(NOW - MIN), reason: 1 } });
  t.match(v({ before: [revokedOther] }), { ok: true, status: 'good' }, 'the matching entry is picked among several');
});

t.test('thisUpdate / nextUpdate window with clock skew', async (t) => {
  t.match(v({ thisUpdate: NOW + SKEW }), { ok: true }, 'thisUpdate exactly skew ahead');
  t.same(v({ thisUpdate: NOW + SKEW + 1000 }), { ok: false, code: 'not-yet-valid', detail: `thisUpdate ${new Date(NOW + SKEW + 1000).toISOString()} is in the future` });
  t.same(v({ thisUpdate: NOW + 1000 }, { clockSkew: 0 }), { ok: false, code: 'not-yet-valid', detail: `thisUpdate ${new Date(NOW + 1000).toISOString()} is in the future` });
  t.match(v({ thisUpdate: NOW - 10 * MIN, nextUpdate: NOW - SKEW }), { ok: true }, 'nextUpdate exactly skew ago');
  t.same(v({ thisUpdate: NOW - 10 * MIN, nextUpdate: NOW - SKEW - 1000 }), {
    ok: false,
    code: 'stale',
    detail: `nextUpdate ${new Date(NOW - SKEW - 1000).toISOString()} has passed`,
  });
  t.same(v({ thisUpdate: NOW - 10 * MIN, nextUpdate: NOW - 1000 }, { clockSkew: 0 }), {
    ok: false,
    code: 'stale',
    detail: `nextUpdate ${new Date(NOW - 1000).toISOString()} has passed`,
  });
  t.match(v({ thisUpdate: NOW - 24 * 60 * MIN, nextUpdate: null }), { ok: true }, 'no nextUpdate never goes stale here (the client caps the age)');
});
