// Config-time checks of distinguished names (`allow.subjectDN`, revocation overrides) and
// thumbprints. A DN is read by the identity module's one parser, the same code that later
// matches it, so `certgate check` and the runtime cannot disagree about what a DN means.
import { parseDN } from '../identity/distinguished-name.js';

/** Why `dn` is not an RFC 4514 name certgate can match, or undefined when it is. */
export function distinguishedNameProblem(dn: string): string | undefined {
  if (dn.trim() === '') return 'empty distinguished name';
  try {
    parseDN(dn);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** x5t#S256: base64url SHA-256, 43 characters, no padding (RFC 8705 section 3.1). */
export function isThumbprint(text: string): boolean {
  return /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(text);
}
