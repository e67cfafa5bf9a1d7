// The fields of a certificate that Node's X509Certificate does not give in a usable form: subject
// and issuer as structured names (Node's `subject` is newline-separated, loses multi-valued RDNs
// and is not RFC 4514) and SANs as typed values (Node's `subjectAltName` is one display string).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { SubjectAltNames } from './types.js';
import type { AttributeTypeAndValue, DistinguishedName, RelativeDistinguishedName } from './distinguished-name.js';
import { decodeStringValue } from './ber-string.js';
import { formatIpBytes } from './ip-address.js';
import { oidFromContent } from './object-identifier.js';

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

/** A DER Name as RDNs in RFC 4514 order (most specific first; DER holds the reverse). */
export function decodeName(der: Uint8Array): DistinguishedName {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new Error('malformed Name: not a DER SEQUENCE');
  }
  const rdns: RelativeDistinguishedName[] = [];
  for (const set of parsed.result.valueBlock.value) {
    if (!(set instanceof asn1js.Set)) throw new Error('malformed Name: RDN is not a SET');
    rdns.push(set.valueBlock.value.map(decodeAttribute));
  }
  return rdns.reverse();
}

function decodeAttribute(block: asn1js.AsnType): AttributeTypeAndValue {
  const parts = block instanceof asn1js.Sequence ? block.valueBlock.value : [];
  const [type, value] = parts;
  if (parts.length !== 2 || !(type instanceof asn1js.ObjectIdentifier) || value === undefined) {
    throw new Error('malformed Name: AttributeTypeAndValue is not SEQUENCE { OID, value }');
  }
  const ber = Buffer.from(value.valueBeforeDecodeView);
  const text = decodeStringValue(ber);
  const whole = type.valueBeforeDecodeView;
  const oid = oidFromContent(whole.subarray(whole.length - type.lenBlock.length));
  if (oid === undefined) throw new Error('malformed Name: attribute type is not a valid OBJECT IDENTIFIER');
  return text === undefined ? { oid, ber } : { oid, text, ber };
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
