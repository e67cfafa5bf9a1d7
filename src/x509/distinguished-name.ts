// Distinguished names as RFC 4514 strings: parse, print, and compare the way RFC 4517
// distinguishedNameMatch does. Allow lists compare names, never raw strings: "CN=a, O=b",
// "cn=A,o=B" and "CN=a,O=b" are one name, while "O=b,CN=a" is another (RDN order matters).
import { attributeTypeName, attributeTypeOid } from './attribute-types.js';
import { decodeStringValue, encodeUtf8String, isSingleBerElement } from './ber-string.js';

export interface AttributeTypeAndValue {
  /** Dotted OID of the attribute type. */
  readonly oid: string;
  /** The value as text; undefined when it is a BER value that is not a string type. */
  readonly text?: string;
  /** BER of the value, when known (from a certificate or a `#hex` string). */
  readonly ber?: Buffer;
}

/** One RDN: a set of attribute values (usually one; `+` joins several). */
export type RelativeDistinguishedName = readonly AttributeTypeAndValue[];

/** RDNs in RFC 4514 string order: most specific first (the reverse of the DER order). */
export type DistinguishedName = readonly RelativeDistinguishedName[];

export class InvalidDistinguishedNameError extends Error {
  readonly code = 'INVALID_DN';
  readonly input: string;
  readonly position: number;

  constructor(input: string, position: number, detail: string) {
    super(`invalid distinguished name at position ${position}: ${detail}`);
    this.name = 'InvalidDistinguishedNameError';
    this.input = input;
    this.position = position;
  }
}

export interface FormatOptions {
  /**
   * Escape every non-ASCII UTF-8 octet as `\XX` (RFC 4514 allows it), so the string is safe in
   * an HTTP header; this is what OpenSSL's RFC 2253 mode, and so nginx, prints. Default true.
   */
  readonly asciiOnly?: boolean;
}

// RFC 4514 section 2.4: characters that must be escaped anywhere in a value.
const ALWAYS_ESCAPED = new Set(['"', '+', ',', ';', '<', '>', '\\']);
// Characters that may follow a backslash as themselves (section 3 `escaped`, plus '=').
const ESCAPABLE = new Set(['"', '+', ',', ';', '<', '>', '\\', ' ', '#', '=']);
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parse an RFC 4514 string. Lenient where RFC 2253 users are: spaces around separators, `;`, quoted values. */
export function parseDN(input: string): DistinguishedName {
  const s = input;
  let i = 0;
  const fail = (detail: string, at = i): never => {
    throw new InvalidDistinguishedNameError(input, at, detail);
  };
  const skipSpaces = (): void => {
    while (s[i] === ' ') i++;
  };

  const readEscape = (bytes: number[]): void => {
    const pair = s.slice(i + 1, i + 3);
    if (HEX_PAIR.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 3;
    } else if (i + 1 < s.length && ESCAPABLE.has(s[i + 1]!)) {
      bytes.push(s.charCodeAt(i + 1));
      i += 2;
    } else {
      fail('invalid escape sequence');
    }
  };
  const pushChar = (bytes: number[]): void => {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    i += ch.length;
  };
  const decode = (bytes: number[], at: number): string => {
    try {
      return utf8.decode(Uint8Array.from(bytes));
    } catch {
      return fail('escaped octets are not valid UTF-8', at);
    }
  };

  const readValue = (oid: string): AttributeTypeAndValue => {
    const start = i;
    if (s[i] === '#') {
      i++;
      while (i < s.length && /[0-9A-Fa-f]/.test(s[i]!)) i++;
      const hex = s.slice(start + 1, i);
      if (hex.length === 0 || hex.length % 2 !== 0) fail('"#" must be followed by hex pairs', start);
      const ber = Buffer.from(hex, 'hex');
      const text = decodeStringValue(ber);
      if (text === undefined && !isSingleBerElement(ber)) fail('"#" value is not a BER encoding', start);
      return text === undefined ? { oid, ber } : { oid, text, ber };
    }
    const bytes: number[] = [];
    if (s[i] === '"') {
      // RFC 1779/2253 quoted value: separators need no escaping inside the quotes.
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\') readEscape(bytes);
        else pushChar(bytes);
      }
      if (s[i] !== '"') fail('unterminated quoted value', start);
      i++;
      return { oid, text: decode(bytes, start) };
    }
    // Unescaped trailing spaces are not part of the value; escaped ones are.
    let significant = 0;
    while (i < s.length && s[i] !== ',' && s[i] !== '+' && s[i] !== ';') {
      if (s[i] === '\\') {
        readEscape(bytes);
        significant = bytes.length;
      } else {
        const space = s[i] === ' ';
        pushChar(bytes);
        if (!space) significant = bytes.length;
      }
    }
    return { oid, text: decode(bytes.slice(0, significant), start) };
  };

  skipSpaces();
  if (i === s.length) return [];
  const rdns: RelativeDistinguishedName[] = [];
  let current: AttributeTypeAndValue[] = [];
  for (;;) {
    skipSpaces();
    const eq = s.indexOf('=', i);
    if (eq < 0) fail('expected "type=value"');
    const type = s.slice(i, eq).trim();
    const oid = attributeTypeOid(type) ?? fail(`unknown attribute type "${type}"`);
    i = eq + 1;
    skipSpaces();
    current.push(readValue(oid));
    skipSpaces();
    if (i >= s.length) break;
    const separator = s[i];
    i++;
    if (separator === '+') continue;
    if (separator === ',' || separator === ';') {
      rdns.push(current);
      current = [];
      continue;
    }
    fail(`unexpected "${separator}" after a value`, i - 1);
  }
  rdns.push(current);
  return rdns;
}

/**
 * Why `dn` is not an RFC 4514 name certgate can match, or undefined when it is: config checks a
 * DN with the parser that later matches it, so `certgate check` and the runtime cannot disagree.
 */
export function distinguishedNameProblem(dn: string): string | undefined {
  if (dn.trim() === '') return 'empty distinguished name';
  try {
    parseDN(dn);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Print an RFC 4514 string (most specific RDN first, as parsed or decoded). */
export function formatDN(dn: DistinguishedName, options: FormatOptions = {}): string {
  const asciiOnly = options.asciiOnly ?? true;
  return dn
    .map((rdn) =>
      rdn
        .map((atv) => {
          const name = attributeTypeName(atv.oid);
          // Section 2.3/2.4: a type printed as a dotted OID takes its value as #hex BER.
          if (name === undefined || atv.text === undefined) {
            const ber = atv.ber ?? encodeUtf8String(atv.text ?? '');
            return `${name ?? atv.oid}=#${ber.toString('hex').toUpperCase()}`;
          }
          return `${name}=${escapeValue(atv.text, asciiOnly)}`;
        })
        .join('+'),
    )
    .join(',');
}

/** RFC 4514 section 2.4 escaping of one attribute value. */
export function escapeValue(text: string, asciiOnly = true): string {
  let out = '';
  const chars = Array.from(text);
  chars.forEach((ch, index) => {
    const cp = ch.codePointAt(0)!;
    if (ALWAYS_ESCAPED.has(ch)) out += `\\${ch}`;
    else if ((ch === ' ' || ch === '#') && index === 0) out += `\\${ch}`;
    else if (ch === ' ' && index === chars.length - 1) out += '\\ ';
    // Control characters (CR/LF would split an HTTP header) and, optionally, non-ASCII as octets.
    else if (cp < 0x20 || cp === 0x7f || (asciiOnly && cp > 0x7f)) out += hexOctets(ch);
    else out += ch;
  });
  return out;
}

function hexOctets(ch: string): string {
  let out = '';
  for (const b of Buffer.from(ch, 'utf8')) out += `\\${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * A canonical string for a DN, equal for two names exactly when distinguishedNameMatch holds:
 * types as OIDs, values prepared for caseIgnoreMatch, each RDN's values sorted. Use it as a
 * Set/Map key; it is not meant for display.
 */
export function normalizeDN(dn: string | DistinguishedName): string {
  const parsed = typeof dn === 'string' ? parseDN(dn) : dn;
  return parsed
    .map((rdn) =>
      rdn
        .map((atv) => (atv.text !== undefined ? `${atv.oid}=${escapeValue(prepareCaseIgnore(atv.text))}` : `${atv.oid}=#${(atv.ber ?? Buffer.alloc(0)).toString('hex')}`))
        .sort()
        .join('+'),
    )
    .join(',');
}

/** RFC 4517 distinguishedNameMatch. Throws InvalidDistinguishedNameError for a malformed string. */
export function dnEquals(a: string | DistinguishedName, b: string | DistinguishedName): boolean {
  return normalizeDN(a) === normalizeDN(b);
}

// RFC 4518 string preparation, the parts that matter for names in certificates.
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u180B-\u180D\u200B\uFE00-\uFE0F\uFFFC\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const MAPPED_TO_SPACE = /[\u0009-\u000D\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/g;

/** Map, case-fold, NFKC, then insignificant space handling (trim, collapse inner runs). */
function prepareCaseIgnore(text: string): string {
  return text.replace(MAPPED_TO_NOTHING, '').replace(MAPPED_TO_SPACE, ' ').toLowerCase().normalize('NFKC').replace(/ +/g, ' ').trim();
}
