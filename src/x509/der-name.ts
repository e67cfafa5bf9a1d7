// A Name read from its DER, in the two forms certgate needs. decodeName gives the structured
// DistinguishedName that is matched and forwarded (asn1js, as lenient as the pkijs certificate
// parse it belongs to). formatName gives a short label for log lines and metric labels: a fixed
// table of short names and the raw value bytes, so the label an operator greps for never changes.
import * as asn1js from 'asn1js';
import { decodeStringValue } from './ber-string.js';
import { TAG, bytes, children, readOid, readTlv } from './der-reader.js';
import type { AttributeTypeAndValue, DistinguishedName, RelativeDistinguishedName } from './distinguished-name.js';
import { oidFromContent } from './object-identifier.js';

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

const NAME_TYPES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A Name (DER) as an RFC 4514-style string, for log lines and metric labels only (never compared). */
export function formatName(der: Uint8Array): string {
  try {
    const rdns: string[] = [];
    const c = children(der, readTlv(der, 0, der.length));
    while (!c.done) {
      const set = children(der, c.next('RDN', TAG.SET));
      const parts: string[] = [];
      while (!set.done) {
        const atv = children(der, set.next('AttributeTypeAndValue', TAG.SEQUENCE));
        const oid = readOid(der, atv.next('type', TAG.OID));
        parts.push(`${NAME_TYPES[oid] ?? oid}=${bytes(der, atv.next('value')).toString('utf8')}`);
      }
      rdns.unshift(parts.join('+'));
    }
    return rdns.join(',');
  } catch {
    return '<unparsable name>';
  }
}
