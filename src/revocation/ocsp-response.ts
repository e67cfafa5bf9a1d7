// Validation of an OCSP response (RFC 6960 sections 3.2 and 4.2.2.2). pkijs decodes the
// structure; every security decision is made here, because pkijs' getCertificateStatus() does not
// authenticate and its verify() throws instead of answering false. The signature is checked with
// node:crypto over the exact tbsResponseData bytes.
import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID_KP_OCSP_SIGNING, certInfo, type CertInfo } from '../x509/certificate-info.js';
import { REASONS } from '../x509/crl-parser.js';
import { serialKey } from '../x509/der-reader.js';
import { OID_OCSP_NONCE, certIdHashes } from './ocsp-request.js';
import { verifySignature } from '../x509/signature.js';

const OID_BASIC = '1.3.6.1.5.5.7.48.1.1';
const STATUS_NAMES = ['successful', 'malformedRequest', 'internalError', 'tryLater', 'status4', 'sigRequired', 'unauthorized'];

export interface OcspAnswer {
  readonly ok: true;
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly revokedAt?: Date;
  readonly reason?: string;
  /** 'issuer' or the delegated responder's subject. */
  readonly signedBy: string;
}

export interface OcspRejection {
  readonly ok: false;
  /** Stable short code for metrics and tests, e.g. 'bad-signature', 'certid-mismatch'. */
  readonly code: string;
  readonly detail: string;
}

export type OcspVerdict = OcspAnswer | OcspRejection;

export interface ValidateOptions {
  readonly cert: CertInfo;
  readonly issuer: CertInfo;
  /** extnValue of the nonce we sent, if any. */
  readonly nonce?: Buffer;
  readonly now: number;
  readonly clockSkew: number;
}

const reject = (code: string, detail: string): OcspRejection => ({ ok: false, code, detail });

export function validateOcspResponse(body: Uint8Array, o: ValidateOptions): OcspVerdict {
  let basic: pkijs.BasicOCSPResponse;
  try {
    const resp = pkijs.OCSPResponse.fromBER(body);
    const status = resp.responseStatus.valueBlock.valueDec;
    if (status !== 0) return reject('responder-status', `responder answered ${STATUS_NAMES[status] ?? status}`);
    if (!resp.responseBytes || resp.responseBytes.responseType !== OID_BASIC) return reject('malformed', 'not a basic OCSP response');
    basic = pkijs.BasicOCSPResponse.fromBER(resp.responseBytes.response.valueBlock.valueHexView);
  } catch (e) {
    return reject('malformed', `undecodable response: ${(e as Error).message}`);
  }
  const tbs = basic.tbsResponseData.tbsView;
  if (!tbs || tbs.byteLength === 0) return reject('malformed', 'no tbsResponseData bytes'); // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- defensive: pkijs sets tbsView whenever fromBER succeeds (docs/mutation-testing.md, ocsp-response.ts:60)
  if (basic.signature.valueBlock.unusedBits !== 0) return reject('bad-signature', 'signature has unused bits');
  const sigAlg = Buffer.from(basic.signatureAlgorithm.toSchema().toBER(false));
  const signature = basic.signature.valueBlock.valueHexView;

  // Who may sign: the issuing CA itself, or a certificate the CA issued for exactly this purpose
  // (id-kp-OCSPSigning). Anything else would let any CA-issued key forge statuses.
  let signedBy: string | undefined;
  if (verifySignature(sigAlg, tbs, signature, o.issuer.x509.publicKey)) signedBy = 'issuer';
  const notes: string[] = [];
  for (const c of signedBy ? [] : (basic.certs ?? [])) {
    let x: X509Certificate;
    try {
      x = new X509Certificate(Buffer.from(c.toSchema().toBER(false)));
    } catch {
      notes.push('undecodable responder certificate');
      continue;
    }
    if (!verifySignature(sigAlg, tbs, signature, x.publicKey)) continue;
    const why = delegateProblem(x, o);
    if (why) {
      notes.push(why);
      continue;
    }
    signedBy = x.subject.replace(/\n/g, ', ');
    break;
  }
  if (!signedBy) {
    return reject(
      notes.length ? 'unauthorized-signer' : 'bad-signature',
      notes.length
        ? `response signed by a certificate not authorized for OCSP: ${notes.join('; ')}`
        : 'signature does not verify with the issuer or an included responder certificate',
    );
  }

  if (o.nonce) {
    const echoed = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID_OCSP_NONCE);
    if (!echoed) return reject('nonce-missing', 'nonce sent but not echoed');
    if (!Buffer.from(echoed.extnValue.valueBlock.valueHexView).equals(o.nonce)) return reject('nonce-mismatch', 'echoed nonce differs from ours');
  }

  const single = basic.tbsResponseData.responses.find((r) => certIdMatches(r.certID, o));
  if (!single) return reject('certid-mismatch', 'no response for the requested CertID');
  const skew = o.clockSkew;
  if (single.thisUpdate.getTime() > o.now + skew) return reject('not-yet-valid', `thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
  if (single.nextUpdate && single.nextUpdate.getTime() < o.now - skew) return reject('stale', `nextUpdate ${single.nextUpdate.toISOString()} has passed`);

  const st = single.certStatus as asn1js.BaseBlock;
  const tag = st.idBlock.tagClass === 3 ? st.idBlock.tagNumber : -1;
  const base = { ok: true as const, thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate, signedBy };
  if (tag === 0) return { ...base, status: 'good' };
  if (tag === 2) return { ...base, status: 'unknown' };
  if (tag === 1) return { ...base, status: 'revoked', ...revokedInfo(st) };
  return reject('malformed', 'unknown certStatus');
}

function revokedInfo(st: asn1js.BaseBlock): { revokedAt?: Date; reason?: string } {
  // RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }
  const kids = (st as asn1js.Constructed).valueBlock?.value ?? []; // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- defensive: pkijs' SingleResponse schema admits only this shape (docs/mutation-testing.md, ocsp-response.ts:115)
  const out: { revokedAt?: Date; reason?: string } = {};
  const t = kids[0];
  if (t instanceof asn1js.GeneralizedTime) out.revokedAt = t.toDate();
  const r = (kids[1] as asn1js.Constructed | undefined)?.valueBlock?.value?.[0]; // eslint-disable-line @typescript-eslint/no-unnecessary-condition -- defensive: pkijs' SingleResponse schema admits only this shape (docs/mutation-testing.md, ocsp-response.ts:119)
  if (r instanceof asn1js.Enumerated) out.reason = REASONS[r.valueBlock.valueDec] ?? `reason${r.valueBlock.valueDec}`;
  return out;
}

function certIdMatches(id: pkijs.CertID, o: ValidateOptions): boolean {
  const h = certIdHashes(o.cert, o.issuer, id.hashAlgorithm.algorithmId);
  if (!h) return false;
  return (
    Buffer.from(id.issuerNameHash.valueBlock.valueHexView).equals(h.name) &&
    Buffer.from(id.issuerKeyHash.valueBlock.valueHexView).equals(h.key) &&
    serialKey(id.serialNumber.valueBlock.valueHexView) === o.cert.serial
  );
}

/** RFC 6960 4.2.2.2: a delegated responder is issued directly by the CA and carries id-kp-OCSPSigning. */
function delegateProblem(x: X509Certificate, o: ValidateOptions): string | undefined {
  if (!x.checkIssued(o.issuer.x509) || !x.verify(o.issuer.x509.publicKey)) return `${x.subject} is not issued by the certificate's issuer`;
  const info: CertInfo = certInfo(x);
  if (!info.extKeyUsage.includes(OID_KP_OCSP_SIGNING)) return `${x.subject} lacks id-kp-OCSPSigning`;
  if (info.keyUsage && !info.keyUsage.digitalSignature) return `${x.subject} keyUsage lacks digitalSignature`;
  const from = Date.parse(x.validFrom);
  const to = Date.parse(x.validTo);
  if (o.now + o.clockSkew < from || o.now - o.clockSkew > to) return `${x.subject} is outside its validity period`;
  return undefined;
}
