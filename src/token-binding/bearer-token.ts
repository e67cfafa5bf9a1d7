// The bearer-token extraction: the one reader of a request's `Authorization` field on routes with
// tokenBinding. RFC 6750 section 2.1: `Bearer` (case-insensitive, RFC 9110 section 11.1), one
// space or more, then a b64token (`1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`).
// Only the header field is read (no form body, no query parameter: section 2.3 URIs leak to logs).

/** What the request carries, as the token-binding check needs it. */
export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  /** RFC 9449: a DPoP-bound token, which certgate does not verify. */
  | { readonly kind: 'dpop' }
  /** Another scheme (Basic, ...): not a token. */
  | { readonly kind: 'other' }
  /** Bearer with a value the b64token grammar refuses, or more than one Authorization field. */
  | { readonly kind: 'malformed' };

const NONE: Credentials = { kind: 'none' };
const DPOP: Credentials = { kind: 'dpop' };
const OTHER: Credentials = { kind: 'other' };
const MALFORMED: Credentials = { kind: 'malformed' };

/** Returned by authorizationField when the request has more than one Authorization field. */
export const SEVERAL_FIELDS = Symbol('several Authorization fields');

const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?: +(.*))?$/s;

/**
 * The Authorization field's value from the raw header list. Node keeps only the first of
 * several in `req.headers`, while the upstream receives them all (raw headers): a second field
 * could carry another token past the check, so several are refused.
 */
export function authorizationField(rawHeaders: readonly string[]): string | undefined | typeof SEVERAL_FIELDS {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      if (value !== undefined) return SEVERAL_FIELDS;
      value = rawHeaders[i + 1]!;
    }
  }
  return value;
}

/** The credentials an Authorization field value carries. Never throws. */
export function parseCredentials(field: string | undefined | typeof SEVERAL_FIELDS): Credentials {
  if (field === undefined) return NONE;
  if (field === SEVERAL_FIELDS) return MALFORMED;
  // Node has already trimmed surrounding whitespace (RFC 9110 section 5.5).
  const m = SCHEME.exec(field);
  if (m === null) return MALFORMED;
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'dpop') return DPOP;
  if (scheme !== 'bearer') return OTHER;
  const token = m[2]?.replace(/^ +/, '');
  if (token === undefined || !B64TOKEN.test(token)) return MALFORMED;
  return { kind: 'bearer', token };
}
