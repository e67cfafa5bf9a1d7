// Hand-built X.509 certificates for attack tests: every TBSCertificate field can be replaced by
// any ASN.1 element (a malformed time, a garbage extension, an odd string type, a huge OID arc),
// and the result is signed for real (node:crypto), self-signed or by a test CA, so it completes a
// TLS handshake. The structure is built with asn1js; only the deliberately broken parts are raw.
//
//   const cert = buildRawCertificate({ notAfter: rawElement(24, '2099') });  // self-signed
//   tls.connect({ cert: cert.certPem, key: cert.keyPem, ... });
import { generateKeyPairSync, KeyObject, sign, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { IssuedCertificate } from './pki.js';

export type KeySpec =
  | { readonly type: 'ec'; readonly curve: string }
  | { readonly type: 'rsa'; readonly bits: number }
  | { readonly type: 'ed25519' }
  /** Only for certificates signed by an `issuer` (no DSA signature algorithm here). */
  | { readonly type: 'dsa'; readonly bits: number };

export interface RawCertificateSpec {
  /** The client's key; default EC P-256. */
  readonly key?: KeySpec;
  /** INTEGER content octets of the serial; default 0x01 0x02. */
  readonly serial?: Uint8Array;
  /** The subject Name; default CN=crash-test. */
  readonly subject?: asn1js.AsnType;
  readonly notBefore?: asn1js.AsnType;
  readonly notAfter?: asn1js.AsnType;
  /** Extensions as ready-made Extension SEQUENCEs (see extension()); default: EKU clientAuth. */
  readonly extensions?: readonly asn1js.AsnType[];
  /** Sign with this CA (its subject becomes the issuer); default self-signed. */
  readonly issuer?: IssuedCertificate;
}

export interface RawCertificate {
  readonly der: Buffer;
  readonly certPem: string;
  readonly keyPem: string;
}

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const OID_ED25519 = '1.3.101.112';
const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** A primitive universal element with arbitrary content: a GeneralizedTime of "2020", an odd string. */
export function rawElement(tagNumber: number, content: string | Uint8Array): asn1js.AsnType {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'latin1') : content;
  return new asn1js.Primitive({ idBlock: { tagClass: 1, tagNumber }, valueHex: bytes });
}

/** An element from its exact DER bytes (for OIDs asn1js cannot encode, such as arcs above 2^53). */
export function derElement(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1) throw new Error('derElement: not BER');
  return parsed.result;
}

/** DER of an OBJECT IDENTIFIER with arcs of any size (BigInt), for huge-arc attack names. */
export function oidDer(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const subs = [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)];
  const content: number[] = [];
  for (const sub of subs) {
    const groups: number[] = [];
    let v = sub;
    do {
      groups.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    groups.forEach((g, i) => content.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return Buffer.from([0x06, content.length, ...content]);
}

/** One AttributeTypeAndValue; `value` defaults to a UTF8String. */
export function attribute(oid: string | asn1js.AsnType, value: string | asn1js.AsnType): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [typeof oid === 'string' ? new asn1js.ObjectIdentifier({ value: oid }) : oid, typeof value === 'string' ? new asn1js.Utf8String({ value }) : value],
  });
}

/** A Name from RDNs in DER order (least specific first), each a list of attributes. */
export function nameOf(...rdns: asn1js.Sequence[][]): asn1js.Sequence {
  return new asn1js.Sequence({ value: rdns.map((atvs) => new asn1js.Set({ value: atvs })) });
}

export function extension(oid: string, critical: boolean, value: Uint8Array): asn1js.Sequence {
  return new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: oid }), ...(critical ? [new asn1js.Boolean({ value: true })] : []), new asn1js.OctetString({ valueHex: value })],
  });
}

export function clientAuthEku(): asn1js.Sequence {
  const eku = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_KP_CLIENT_AUTH })] });
  return extension(OID_EXT_KEY_USAGE, false, new Uint8Array(eku.toBER()));
}

const DAY = 86_400_000;

function utcTime(date: Date): asn1js.UTCTime {
  return new asn1js.UTCTime({ valueDate: date });
}

function generateKey(spec: KeySpec): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (spec.type) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: spec.curve });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: spec.bits });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'dsa':
      return generateKeyPairSync('dsa', { modulusLength: spec.bits, divisorLength: spec.bits >= 2048 ? 256 : 160 });
  }
}

function signatureAlgorithm(key: KeyObject): { oid: string; nullParams: boolean; digest: string | null } {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return { oid: OID_ECDSA_SHA256, nullParams: false, digest: 'sha256' };
    case 'rsa':
      return { oid: OID_SHA256_RSA, nullParams: true, digest: 'sha256' };
    case 'ed25519':
      return { oid: OID_ED25519, nullParams: false, digest: null };
    default:
      throw new Error(`no signature algorithm for ${key.asymmetricKeyType}`);
  }
}

function algorithmIdentifier(alg: { oid: string; nullParams: boolean }): asn1js.Sequence {
  return new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: alg.oid }), ...(alg.nullParams ? [new asn1js.Null()] : [])] });
}

export function buildRawCertificate(spec: RawCertificateSpec = {}): RawCertificate {
  const keys = generateKey(spec.key ?? { type: 'ec', curve: 'P-256' });
  const signer = spec.issuer ? KeyObject.from(spec.issuer.privateKey) : keys.privateKey;
  const alg = signatureAlgorithm(signer);
  const subject = spec.subject ?? nameOf([attribute('2.5.4.3', 'crash-test')]);
  const issuerName = spec.issuer ? derElement(issuerSubjectDer(spec.issuer.x509)) : subject;
  const now = Date.now();
  const spki = derElement(keys.publicKey.export({ type: 'spki', format: 'der' }));
  const extensions = spec.extensions ?? [clientAuthEku()];
  const tbs = new asn1js.Sequence({
    value: [
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Integer({ value: 2 })] }),
      rawElement(2, spec.serial ?? Uint8Array.from([0x01, 0x02])),
      algorithmIdentifier(alg),
      issuerName,
      new asn1js.Sequence({ value: [spec.notBefore ?? utcTime(new Date(now - DAY)), spec.notAfter ?? utcTime(new Date(now + 30 * DAY))] }),
      subject,
      spki,
      ...(extensions.length > 0 ? [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 3 }, value: [new asn1js.Sequence({ value: [...extensions] })] })] : []),
    ],
  });
  const tbsDer = Buffer.from(tbs.toBER());
  const signature = sign(alg.digest, tbsDer, signer);
  const cert = new asn1js.Sequence({
    value: [tbs, algorithmIdentifier(alg), new asn1js.BitString({ valueHex: signature })],
  });
  const der = Buffer.from(cert.toBER());
  return {
    der,
    certPem: `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`,
    keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

/** The exact DER of a certificate's subject Name (the fifth field after the version), read with asn1js. */
function issuerSubjectDer(x509: X509Certificate): Uint8Array {
  const cert = asn1js.fromBER(x509.raw).result as asn1js.Sequence;
  const tbs = cert.valueBlock.value[0] as asn1js.Sequence;
  const fields = tbs.valueBlock.value;
  const offset = fields[0]!.idBlock.tagClass === 3 ? 1 : 0;
  return new Uint8Array(fields[offset + 4]!.valueBeforeDecodeView);
}
