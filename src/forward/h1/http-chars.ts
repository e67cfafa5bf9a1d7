// Character classes of RFC 9110 section 5.6.2 (token) and 5.5 (field values), as lookup tables so
// the hot path checks a byte with one array read instead of a regex.

/** 1 for tchar: "!#$%&'*+-.^_`|~" DIGIT ALPHA */
export const TOKEN = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TOKEN[ch.charCodeAt(0)] = 1;

/** 1 for bytes allowed in a field value: HTAB, SP, VCHAR, obs-text (no CTL, no DEL). */
export const FIELD_VALUE = new Uint8Array(256);
FIELD_VALUE[0x09] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_VALUE[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_VALUE[c] = 1;

/** Value of a hex digit, or -1. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TOKEN[c] === 0) return false;
  }
  return true;
}

/** Lower-cases ASCII only when needed; header names are short, so this rarely allocates. */
export function equalsLowerAscii(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Why `name: value` cannot be written into a head, or undefined. */
export function fieldProblem(name: string, value: string): string | undefined {
  if (!isToken(name)) return `invalid header name ${JSON.stringify(name)}`;
  // indexOf is vectorised by V8; three scans beat a per-character loop on long values (PEM).
  if (value.indexOf('\r') !== -1 || value.indexOf('\n') !== -1 || value.indexOf('\0') !== -1) return `invalid value in header ${name}`;
  return undefined;
}
