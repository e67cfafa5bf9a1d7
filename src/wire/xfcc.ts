// Envoy's x-forwarded-client-cert syntax, as its docs and its XFCC parser define it
// (envoyproxy/envoy: docs .../http_conn_man/headers.rst "x-forwarded-client-cert";
// source/extensions/formatter/xfcc_value/xfcc_value.cc):
// - the value is a `,`-separated list of elements, one per proxy;
// - an element is a `;`-separated list of `Key=Value` pairs; keys are case-insensitive;
// - a value containing `,` `;` or `=` is double-quoted; inside quotes `"` is written `\"`
//   (Envoy's parser also unescapes `\\`, so a backslash is written `\\`);
// - Cert, Chain and Subject are always quoted (Envoy emits them so).
// Pure: no runtime imports, reused by certgate/verify.

export type XfccPair = readonly [key: string, value: string];
export type XfccElement = readonly XfccPair[];

export class XfccSyntaxError extends Error {
  readonly code = 'CERT_HEADER_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'XfccSyntaxError';
  }
}

const ALWAYS_QUOTED: ReadonlySet<string> = new Set(['cert', 'chain', 'subject']);

function needsQuotes(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // , ; = " \ and whitespace (a parser trims unquoted whitespace)
    if (c === 0x2c || c === 0x3b || c === 0x3d || c === 0x22 || c === 0x5c || c === 0x20 || c === 0x09) {
      return true;
    }
  }
  return false;
}

function quote(value: string): string {
  let out = '"';
  for (const ch of value) out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  return out + '"';
}

/** One XFCC element, pairs in the order given. Keys must be plain tokens (Hash, Cert, ...). */
export function serializeXfccElement(pairs: XfccElement): string {
  const parts: string[] = [];
  for (const [key, value] of pairs) {
    const quoted = ALWAYS_QUOTED.has(key.toLowerCase()) || needsQuotes(value);
    parts.push(`${key}=${quoted ? quote(value) : value}`);
  }
  return parts.join(';');
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (v.length < 2 || v.charCodeAt(0) !== 0x22 || v.charCodeAt(v.length - 1) !== 0x22) return v;
  let out = '';
  for (let i = 1; i < v.length - 1; i++) {
    const ch = v[i]!;
    if (ch === '\\' && i + 1 < v.length - 1) {
      out += v[++i]!;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Split `value` on `sep` outside double quotes; a quote preceded by an odd number of
 * backslashes is escaped (Envoy's countBackslashes rule).
 */
function splitOutsideQuotes(value: string, sep: string): string[] {
  const parts: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && inQuotes) {
      i++; // skip the escaped character
    } else if (ch === '"') {
      inQuotes = !inQuotes;
    } else if (ch === sep && !inQuotes) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuotes) throw new XfccSyntaxError('unmatched double quote in x-forwarded-client-cert');
  parts.push(value.slice(start));
  return parts;
}

/** Every element of an XFCC header value, each as its `[key, unescaped value]` pairs. */
export function parseXfcc(value: string): XfccElement[] {
  const elements: XfccElement[] = [];
  for (const rawElement of splitOutsideQuotes(value, ',')) {
    if (rawElement.trim() === '') continue;
    const pairs: XfccPair[] = [];
    for (const rawPair of splitOutsideQuotes(rawElement, ';')) {
      if (rawPair.trim() === '') continue;
      const eq = rawPair.indexOf('=');
      if (eq <= 0) throw new XfccSyntaxError(`x-forwarded-client-cert pair without a key: ${rawPair.slice(0, 40)}`);
      pairs.push([rawPair.slice(0, eq).trim(), unquote(rawPair.slice(eq + 1))]);
    }
    elements.push(pairs);
  }
  return elements;
}

/** The first value for `key` (case-insensitive), as Envoy's own lookup does. */
export function xfccValue(element: XfccElement, key: string): string | undefined {
  const k = key.toLowerCase();
  for (const [name, value] of element) if (name.toLowerCase() === k) return value;
  return undefined;
}
