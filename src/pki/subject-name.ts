// Certificate subjects written as RFC 4514 strings, encoded the way CAs encode them. We parse with
// our own RFC 4514 parser instead of @peculiar/x509's string form: that one keeps the string's
// order in the DER (so "CN=a,C=JP" would put CN first) and does not handle escapes.
import type { JsonAttributeObject, JsonNameParams } from '@peculiar/x509';
import { parseDN } from '../x509/distinguished-name.js';
import { isIa5Attribute, isPrintableOnlyAttribute } from '../x509/attribute-types.js';

// X.680 PrintableString alphabet.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

/**
 * `subject` as an RFC 4514 string ("CN=a,O=b,C=JP", most specific first) or, without any "=",
 * a bare common name. Returns the name in DER order (least specific first).
 */
export function subjectToJsonName(subject: string): JsonNameParams {
  const dn = parseDN(subject.includes('=') ? subject : `CN=${escapeBareCn(subject)}`);
  return [...dn].reverse().map((rdn) => {
    const item: Record<string, JsonAttributeObject[]> = {};
    for (const atv of rdn) {
      if (atv.text === undefined) throw new Error(`subject attribute ${atv.oid}: only string values can be encoded`);
      (item[atv.oid] ??= []).push(encodeValue(atv.oid, atv.text));
    }
    return item;
  });
}

function encodeValue(oid: string, text: string): JsonAttributeObject {
  if (isIa5Attribute(oid)) return { ia5String: text };
  if (isPrintableOnlyAttribute(oid) || PRINTABLE.test(text)) return { printableString: text };
  return { utf8String: text };
}

function escapeBareCn(cn: string): string {
  return cn.replace(/[\\,+"<>;#=]/g, (c) => `\\${c}`);
}
