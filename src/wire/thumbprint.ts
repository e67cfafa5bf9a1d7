// The one owner of certificate thumbprints. Both are SHA-256 over the DER; only the encoding
// differs by where the value goes.
import { createHash } from 'node:crypto';

/** RFC 8705 section 3.1 `x5t#S256`: base64url (no padding) of SHA-256 over the DER. */
export function x5tS256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** Lower-case hex SHA-256 of the DER, Envoy's XFCC `Hash`. */
export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** True when `text` has the form of an x5t#S256: 43 base64url characters, no padding (RFC 8705 section 3.1). */
export function isThumbprint(text: string): boolean {
  return /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(text);
}
