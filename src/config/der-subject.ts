// The subject Name of a certificate as the exact DER bytes it was encoded with. Node's
// X509Certificate only offers the subject as text, but the TLS CertificateRequest carries DER.
import type { X509Certificate } from 'node:crypto';

interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  /** Offset of the first content byte. */
  readonly contentStart: number;
  /** Offset one past the last content byte. */
  readonly end: number;
}

function readTlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new Error('truncated DER');
  return { tag, start: at, contentStart: p, end: p + len };
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
 * signature, issuer, validity, subject, ... }, ... } (RFC 5280 section 4.1).
 */
export function subjectDer(cert: X509Certificate): Buffer {
  const der = cert.raw;
  const outer = readTlv(der, 0);
  const tbs = readTlv(der, outer.contentStart);
  let field = readTlv(der, tbs.contentStart);
  if (field.tag === 0xa0) field = readTlv(der, field.end); // skip the explicit version
  // field is serialNumber; step over signature, issuer and validity to reach subject.
  for (let i = 0; i < 4; i++) field = readTlv(der, field.end);
  if (field.tag !== 0x30) throw new Error('certificate subject is not a SEQUENCE');
  return der.subarray(field.start, field.end);
}
