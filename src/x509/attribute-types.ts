// Attribute types of distinguished names: the short names we print and the aliases we accept.
// RFC 4514 section 3 names CN, L, ST, O, OU, C, STREET, DC, UID; the rest are the names OpenSSL
// (and so nginx's $ssl_client_s_dn) prints, which is what upstreams and operators already write.
import { canonicalOid } from './object-identifier.js';

interface AttributeTypeInfo {
  readonly oid: string;
  /** Printed in RFC 4514 output. */
  readonly name: string;
  /** Also accepted on input (compared case-insensitively). */
  readonly aliases: readonly string[];
}

const ATTRIBUTE_TYPES: readonly AttributeTypeInfo[] = [
  { oid: '2.5.4.3', name: 'CN', aliases: ['commonName'] },
  { oid: '2.5.4.7', name: 'L', aliases: ['localityName'] },
  { oid: '2.5.4.8', name: 'ST', aliases: ['S', 'stateOrProvinceName'] },
  { oid: '2.5.4.10', name: 'O', aliases: ['organizationName'] },
  { oid: '2.5.4.11', name: 'OU', aliases: ['organizationalUnitName'] },
  { oid: '2.5.4.6', name: 'C', aliases: ['countryName'] },
  { oid: '2.5.4.9', name: 'STREET', aliases: ['streetAddress'] },
  { oid: '0.9.2342.19200300.100.1.25', name: 'DC', aliases: ['domainComponent'] },
  { oid: '0.9.2342.19200300.100.1.1', name: 'UID', aliases: ['userId'] },
  { oid: '1.2.840.113549.1.9.1', name: 'emailAddress', aliases: ['E', 'EMAIL'] },
  { oid: '2.5.4.5', name: 'serialNumber', aliases: [] },
  { oid: '2.5.4.4', name: 'SN', aliases: ['surname'] },
  { oid: '2.5.4.42', name: 'GN', aliases: ['givenName'] },
  { oid: '2.5.4.12', name: 'title', aliases: [] },
  { oid: '2.5.4.17', name: 'postalCode', aliases: [] },
  { oid: '2.5.4.46', name: 'dnQualifier', aliases: [] },
  { oid: '2.5.4.65', name: 'pseudonym', aliases: [] },
  { oid: '2.5.4.97', name: 'organizationIdentifier', aliases: [] },
];

const BY_NAME = new Map<string, AttributeTypeInfo>();
const BY_OID = new Map<string, AttributeTypeInfo>();
for (const info of ATTRIBUTE_TYPES) {
  BY_OID.set(info.oid, info);
  for (const n of [info.name, ...info.aliases]) BY_NAME.set(n.toLowerCase(), info);
}

const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * The dotted OID for an attribute type as written in a DN string: a known short name
 * (any case), a dotted OID, or `OID.`-prefixed dotted OID (RFC 1779 style). Undefined if unknown.
 */
export function attributeTypeOid(type: string): string | undefined {
  const t = type.trim();
  const numeric = /^oid\./i.test(t) ? t.slice(4) : t;
  // Arcs of any size (BigInt): Number() would round an arc above 2^53 into another OID.
  const dotted = canonicalOid(numeric);
  if (dotted !== undefined) return dotted;
  if (!DESCR.test(t)) return undefined;
  return BY_NAME.get(t.toLowerCase())?.oid;
}

/** The short name to print for an OID, or undefined (print the dotted OID and a `#hex` value). */
export function attributeTypeName(oid: string): string | undefined {
  return BY_OID.get(oid)?.name;
}

/** Attribute types whose values certificate profiles encode as IA5String (RFC 5280 appendix A). */
export function isIa5Attribute(oid: string): boolean {
  return oid === '1.2.840.113549.1.9.1' || oid === '0.9.2342.19200300.100.1.25';
}

/** countryName, serialNumber and dnQualifier are PrintableString only (RFC 5280 appendix A). */
export function isPrintableOnlyAttribute(oid: string): boolean {
  return oid === '2.5.4.6' || oid === '2.5.4.5' || oid === '2.5.4.46';
}
