// Header values the gateway builds from certificate contents must stay visible ASCII:
// no CR/LF (header injection), no NUL (undici refuses it), no obs-text an upstream might
// decode as Latin-1. Pure functions, no runtime imports (reused by certgate/verify).

const HEX = '0123456789ABCDEF';

function isSafe(code: number, allowSpace: boolean): boolean {
  return (code > 0x20 && code < 0x7f) || (allowSpace && code === 0x20);
}

/** Fast check so the usual all-ASCII value is returned as is, without copying. */
function allSafe(s: string, allowSpace: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    if (!isSafe(s.charCodeAt(i), allowSpace)) return false;
  }
  return true;
}

function escapeBytes(s: string, allowSpace: boolean, prefix: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (ch.length === 1 && isSafe(code, allowSpace)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += prefix + HEX.charAt(byte >> 4) + HEX.charAt(byte & 15);
  }
  return out;
}

/**
 * An RFC 4514 DN string in visible ASCII (space allowed inside). Every other character is
 * written as RFC 4514 section 2.4 hex pairs of its UTF-8 bytes (`é` -> `\C3\A9`), so the
 * result is still a valid RFC 4514 string that parses back to the same name. A lone
 * surrogate becomes U+FFFD's bytes (Buffer's UTF-8 encoding), never a raw control byte.
 */
export function dnToVisibleAscii(dn: string): string {
  return allSafe(dn, true) ? dn : escapeBytes(dn, true, '\\');
}

/**
 * A SAN value (URI, DNS name, reason text) in visible ASCII without spaces: every other
 * character is percent-encoded as UTF-8 (RFC 3986 section 2.1), the form a URI takes anyway.
 */
export function percentEncodeNonVisible(value: string): string {
  return allSafe(value, false) ? value : escapeBytes(value, false, '%');
}
