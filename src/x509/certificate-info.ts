// What certgate reads from a certificate, in one place. Each reader is the one its callers have
// always used, for a reason:
// - certInfo: revocation's view (serial, issuer / subject / SPKI bytes, keyUsage, AIA, CRL
//   distribution points), read once by the strict DER walker and cached by fingerprint:
//   node:crypto's X509Certificate exposes none of these in the raw form CertIDs and CRL matching
//   are built from.
// - readCertificateFields: the client certificate's names, SANs and validity for identity, by
//   pkijs, whose structural checks decide which client certificates are describable at all.
// - subjectDer: the subject Name's exact DER (what the TLS CertificateRequest carries), by the walker.
import type { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { x5tS256 } from '../wire/thumbprint.js';
import { TAG, bytes, children, readOid, readTlv, serialKey, whole, type Tlv } from './der-reader.js';
import { decodeName } from './der-name.js';
import type { DistinguishedName } from './distinguished-name.js';
import { formatIpBytes } from './ip-address.js';

export interface DistributionPoint {
  /** GeneralNames of distributionPoint.fullName as DER hex (compared with a CRL's IDP). */
  readonly fullNames: readonly string[];
  readonly urls: readonly string[];
  /** reasons or cRLIssuer present: a partial or indirect CRL, which certgate does not fetch. */
  readonly partial: boolean;
}

export interface CertInfo {
  readonly x509: X509Certificate;
  /** x5t#S256 (base64url SHA-256 of the DER), the key the gateway uses for caching. */
  readonly thumbprint: string;
  readonly serial: string;
  readonly serialBytes: Buffer;
  readonly issuerDer: Buffer;
  readonly subjectDer: Buffer;
  /** Contents of subjectPublicKey BIT STRING (without the unused-bits byte): what OCSP hashes. */
  readonly publicKeyBits: Buffer;
  readonly isCA: boolean;
  /** keyUsage bits, or undefined when the extension is absent (then every use is allowed). */
  readonly keyUsage?: { readonly digitalSignature: boolean; readonly keyCertSign: boolean; readonly cRLSign: boolean };
  readonly extKeyUsage: readonly string[];
  readonly subjectKeyId?: Buffer;
  readonly authorityKeyId?: Buffer;
  readonly ocspUrls: readonly string[];
  readonly crlDistributionPoints: readonly DistributionPoint[];
  /** id-pkix-ocsp-nocheck: a delegated responder certificate that is not itself checked. */
  readonly ocspNoCheck: boolean;
}

export const OID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9';

const cache = new Map<string, CertInfo>();
const CACHE_LIMIT = 10_000;

export function certInfo(x509: X509Certificate): CertInfo {
  const fp = x509.fingerprint256;
  const hit = cache.get(fp);
  if (hit) return hit;
  const info = parseCertInfo(x509);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(fp, info);
  return info;
}

function parseCertInfo(x509: X509Certificate): CertInfo {
  const der = x509.raw;
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, children(der, cert).next('tbsCertificate', TAG.SEQUENCE));
  tbs.optional(0xa0);
  const serialT = tbs.next('serialNumber', TAG.INTEGER);
  tbs.next('signature', TAG.SEQUENCE);
  const issuerT = tbs.next('issuer', TAG.SEQUENCE);
  tbs.next('validity', TAG.SEQUENCE);
  const subjectT = tbs.next('subject', TAG.SEQUENCE);
  const spki = children(der, tbs.next('subjectPublicKeyInfo', TAG.SEQUENCE));
  spki.next('algorithm', TAG.SEQUENCE);
  const keyT = spki.next('subjectPublicKey', TAG.BIT_STRING);
  tbs.optional(0x81);
  tbs.optional(0x82);
  const extWrap = tbs.optional(0xa3);

  let isCA = false;
  let keyUsage: CertInfo['keyUsage'];
  let extKeyUsage: string[] = [];
  let subjectKeyId: Buffer | undefined;
  let authorityKeyId: Buffer | undefined;
  const ocspUrls: string[] = [];
  const dps: DistributionPoint[] = [];
  let ocspNoCheck = false;
  if (extWrap) {
    const exts = children(der, readTlv(der, extWrap.contentStart, extWrap.end));
    while (!exts.done) {
      const e = children(der, exts.next('extension', TAG.SEQUENCE));
      const oid = readOid(der, e.next('extnID', TAG.OID));
      e.optional(TAG.BOOLEAN);
      const octets = e.next('extnValue', TAG.OCTET_STRING);
      const val = readTlv(der, octets.contentStart, octets.end);
      switch (oid) {
        case '2.5.29.19': {
          const b = children(der, val).optional(TAG.BOOLEAN);
          isCA = b !== undefined && der[b.contentStart] !== 0;
          break;
        }
        case '2.5.29.15': {
          const bits = bytes(der, val);
          const b0 = bits.length > 1 ? bits[1]! : 0;
          keyUsage = { digitalSignature: (b0 & 0x80) !== 0, keyCertSign: (b0 & 0x04) !== 0, cRLSign: (b0 & 0x02) !== 0 };
          break;
        }
        case '2.5.29.37': {
          const c = children(der, val);
          while (!c.done) extKeyUsage.push(readOid(der, c.next('KeyPurposeId', TAG.OID)));
          break;
        }
        case '2.5.29.14':
          subjectKeyId = Buffer.from(bytes(der, val));
          break;
        case '2.5.29.35': {
          const k = children(der, val).optional(0x80);
          if (k) authorityKeyId = Buffer.from(bytes(der, k));
          break;
        }
        case '1.3.6.1.5.5.7.1.1': {
          const c = children(der, val);
          while (!c.done) {
            const ad = children(der, c.next('AccessDescription', TAG.SEQUENCE));
            const method = readOid(der, ad.next('accessMethod', TAG.OID));
            const loc = ad.next('accessLocation');
            if (method === '1.3.6.1.5.5.7.48.1' && loc.tag === 0x86) ocspUrls.push(bytes(der, loc).toString('latin1'));
          }
          break;
        }
        case '2.5.29.31':
          dps.push(...readDistributionPoints(der, val));
          break;
        case '1.3.6.1.5.5.7.48.1.5':
          ocspNoCheck = true;
          break;
      }
    }
  }
  extKeyUsage = Object.freeze(extKeyUsage) as string[];
  const serialBytes = Buffer.from(bytes(der, serialT));
  return Object.freeze({
    x509,
    thumbprint: x5tS256(der),
    serial: serialKey(serialBytes),
    serialBytes,
    issuerDer: Buffer.from(whole(der, issuerT)),
    subjectDer: Buffer.from(whole(der, subjectT)),
    publicKeyBits: Buffer.from(bytes(der, keyT).subarray(1)),
    isCA,
    keyUsage,
    extKeyUsage,
    subjectKeyId,
    authorityKeyId,
    ocspUrls,
    crlDistributionPoints: dps,
    ocspNoCheck,
  });
}

function readDistributionPoints(der: Buffer, seq: Tlv): DistributionPoint[] {
  const out: DistributionPoint[] = [];
  const c = children(der, seq);
  while (!c.done) {
    const dp = children(der, c.next('DistributionPoint', TAG.SEQUENCE));
    const fullNames: string[] = [];
    const urls: string[] = [];
    let partial = false;
    while (!dp.done) {
      const f = dp.next('dp field');
      if (f.tag === 0xa0) {
        const name = readTlv(der, f.contentStart, f.end);
        if (name.tag !== 0xa0) continue; // nameRelativeToCRLIssuer: no URL to fetch
        const gn = children(der, name);
        while (!gn.done) {
          const g = gn.next('GeneralName');
          fullNames.push(whole(der, g).toString('hex'));
          if (g.tag === 0x86) urls.push(bytes(der, g).toString('latin1'));
        }
      } else partial = true; // [1] reasons or [2] cRLIssuer
    }
    out.push({ fullNames, urls, partial });
  }
  return out;
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
 * signature, issuer, validity, subject, ... }, ... } (RFC 5280 section 4.1).
 */
export function subjectDer(cert: X509Certificate): Buffer {
  const der = cert.raw;
  const tbs = children(der, children(der, readTlv(der, 0, der.length)).next('tbsCertificate', TAG.SEQUENCE));
  tbs.optional(0xa0);
  tbs.next('serialNumber', TAG.INTEGER);
  tbs.next('signature', TAG.SEQUENCE);
  tbs.next('issuer', TAG.SEQUENCE);
  tbs.next('validity', TAG.SEQUENCE);
  return whole(der, tbs.next('subject', TAG.SEQUENCE));
}

export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly uri: readonly string[];
  readonly email: readonly string[];
  readonly ip: readonly string[];
}

/** The fields Node's X509Certificate does not give in a usable form (its subject is not RFC 4514, its SANs one string). */
export interface CertificateFields {
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  readonly san: SubjectAltNames;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

const SUBJECT_ALT_NAME = '2.5.29.17';
// GeneralName choices (RFC 5280 section 4.2.1.6).
const RFC822_NAME = 1;
const DNS_NAME = 2;
const URI = 6;
const IP_ADDRESS = 7;

export function readCertificateFields(der: Uint8Array): CertificateFields {
  const cert = pkijs.Certificate.fromBER(der);
  return {
    subject: decodeName(new Uint8Array(cert.subject.valueBeforeDecode)),
    issuer: decodeName(new Uint8Array(cert.issuer.valueBeforeDecode)),
    san: readSubjectAltNames(cert),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
  };
}

function readSubjectAltNames(cert: pkijs.Certificate): SubjectAltNames {
  const dns: string[] = [];
  const uri: string[] = [];
  const email: string[] = [];
  const ip: string[] = [];
  const extension = cert.extensions?.find((e) => e.extnID === SUBJECT_ALT_NAME);
  const names = (extension?.parsedValue as pkijs.AltName | undefined)?.altNames ?? [];
  for (const name of names) {
    switch (name.type) {
      case DNS_NAME:
        dns.push(String(name.value));
        break;
      case URI:
        uri.push(String(name.value));
        break;
      case RFC822_NAME:
        email.push(String(name.value));
        break;
      case IP_ADDRESS: {
        const text = formatIpBytes((name.value as asn1js.OctetString).valueBlock.valueHexView);
        if (text !== undefined) ip.push(text);
        break;
      }
      default:
        // otherName, directoryName, registeredID...: not used by any allow rule.
        break;
    }
  }
  return { dns, uri, email, ip };
}
