// The one canonical form of a request target, computed before routing. Routing, allow rules, the
// access log, the signature's @path and the upstream request line all use what this returns, so no
// component can read a different path from the one the route policy judged.
//
// Route matching is a plain string prefix (route-table.ts). An upstream that normalises the path
// (Tomcat, Jetty, Spring, Vert.x) would otherwise serve another route's path: `/%61llowed/x` is
// `/allowed/x` once unreserved escapes are decoded, `/admin;jsessionid=1/x` is `/admin/x` once
// `;` parameters are dropped, `/public/..;/admin/x` is `/admin/x`. So:
// - percent-encoded unreserved characters are decoded (RFC 3986 section 6.2.2.2) and every other
//   escape gets upper-case hex (section 6.2.2.1): one spelling per path;
// - what an upstream might read differently is refused (400): dot segments (raw or encoded),
//   encoded `/` or `\`, a backslash, an empty segment, `;` parameters (unless the listener allows
//   them), control characters (raw or encoded), escapes that are not UTF-8, malformed escapes, and
//   `%25` followed by two hex digits: a component that decodes twice (Spring's StrictHttpFirewall
//   refuses `%25` for this reason) would read `%2561llowed` as `allowed` or `%252e%252e` as `..`.
// The query is kept as sent; it only must not carry control characters or spaces.

export type PathRejectionReason =
  | 'not_origin_form'
  | 'dot_segment'
  | 'empty_segment'
  | 'backslash'
  | 'encoded_separator'
  | 'parameters'
  | 'control_char'
  | 'invalid_utf8'
  | 'double_encoding'
  | 'bad_escape'
  | 'invalid_char'
  | 'query_invalid';

export interface CanonicalTarget {
  readonly ok: true;
  /** Canonical path, no query. */
  readonly path: string;
  /** With the leading `?`, as sent; undefined when there is none. */
  readonly query: string | undefined;
  /** `path` + `query`: the request target sent upstream and logged. */
  readonly target: string;
}

export interface PathRejection {
  readonly ok: false;
  readonly reason: PathRejectionReason;
  /** Safe to show to the client; starts with the machine-readable reason. */
  readonly description: string;
}

export type CanonicalResult = CanonicalTarget | PathRejection;

const WHY: Readonly<Record<PathRejectionReason, string>> = {
  not_origin_form: 'the path must start with /',
  dot_segment: 'a . or .. segment, raw or percent-encoded',
  empty_segment: 'an empty segment (//)',
  backslash: 'a backslash',
  encoded_separator: 'a percent-encoded / or \\',
  parameters: 'a ; path parameter',
  control_char: 'a control character, raw or percent-encoded',
  invalid_utf8: 'percent-encoded bytes that are not UTF-8',
  double_encoding: 'a percent-encoded %',
  bad_escape: 'a % not followed by two hex digits',
  invalid_char: 'a space, # or non-ASCII character',
  query_invalid: 'a control character or space in the query',
};

// One frozen answer per reason: a refusal allocates nothing.
const REJECTIONS = Object.fromEntries(
  (Object.keys(WHY) as PathRejectionReason[]).map((reason) => [reason, Object.freeze({ ok: false, reason, description: `request path refused: ${reason} (${WHY[reason]})` })]),
) as unknown as Readonly<Record<PathRejectionReason, PathRejection>>;

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const SEMICOLON = 0x3b;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const HEX = '0123456789ABCDEF';

/**
 * The canonical path and query of an origin-form request target (`req.url`), or why it is refused.
 * `allowParameters` is the listener's `paths.parameters: allow`.
 */
export function canonicalTarget(url: string, allowParameters: boolean): CanonicalResult {
  let pathEnd = url.indexOf('?');
  if (pathEnd === -1) pathEnd = url.length;
  for (let i = pathEnd + 1; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return REJECTIONS.query_invalid;
  }
  const query = pathEnd === url.length ? undefined : url.slice(pathEnd);
  if (isPlainPath(url, pathEnd)) {
    const path = query === undefined ? url : url.slice(0, pathEnd);
    return { ok: true, path, query, target: url };
  }
  const canonical = canonicalisePath(url, pathEnd, allowParameters);
  if (typeof canonical !== 'string') return canonical;
  return { ok: true, path: canonical, query, target: query === undefined ? canonical : canonical + query };
}

/**
 * The fast path: true when the path is already canonical (no `%`, `;`, `\`, dot segment, empty
 * segment or unusual character). One scan, no allocation.
 */
function isPlainPath(url: string, end: number): boolean {
  if (end === 0 || url.charCodeAt(0) !== SLASH) return false;
  let segStart = 1;
  for (let i = 1; i <= end; i++) {
    const c = i === end ? SLASH : url.charCodeAt(i);
    if (c === SLASH) {
      const len = i - segStart;
      if (len === 0 && i !== end) return false;
      if (len === 1 && url.charCodeAt(segStart) === DOT) return false;
      if (len === 2 && url.charCodeAt(segStart) === DOT && url.charCodeAt(segStart + 1) === DOT) return false;
      segStart = i + 1;
    } else if (c <= 0x20 || c >= 0x7f || c === PERCENT || c === SEMICOLON || c === BACKSLASH || c === HASH) {
      return false;
    }
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** The byte of the escape at `i` (`%XX`, before `end`), or -1 when it is not a well-formed escape. */
function escapedByte(url: string, i: number, end: number): number {
  if (i + 2 >= end || url.charCodeAt(i) !== PERCENT) return -1;
  const h = hexValue(url.charCodeAt(i + 1));
  const l = hexValue(url.charCodeAt(i + 2));
  return h < 0 || l < 0 ? -1 : (h << 4) | l;
}

/** RFC 3986 section 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === DOT || b === 0x5f || b === 0x7e;
}

function escape(b: number): string {
  return '%' + HEX.charAt(b >> 4) + HEX.charAt(b & 15);
}

/** Length of a UTF-8 sequence from its lead byte, and the range of its second byte (RFC 3629 section 4). */
function utf8Shape(lead: number): readonly [number, number, number] | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf]; // no overlong forms
  if (lead === 0xed) return [3, 0x80, 0x9f]; // no surrogates
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f]; // nothing above U+10FFFF
  return undefined; // continuation byte as lead, overlong C0/C1 (`%c0%ae` is not `.`), F5..FF
}

/** The slow path: the canonical path, or the rejection. */
function canonicalisePath(url: string, end: number, allowParameters: boolean): string | PathRejection {
  if (end === 0 || url.charCodeAt(0) !== SLASH) return REJECTIONS.not_origin_form;
  let out = '/';
  let segStart = 1; // where the current segment starts in `out`
  let paramAt = -1; // where its first `;` is in `out`, -1 when it has none
  let i = 1;
  while (i <= end) {
    if (i === end || url.charCodeAt(i) === SLASH) {
      const nameEnd = paramAt === -1 ? out.length : paramAt;
      const nameLen = nameEnd - segStart;
      // Empty segment, except one trailing slash (`/api/`); `/;x/` has an empty name too.
      if (nameLen === 0 && (i !== end || paramAt !== -1)) {
        return REJECTIONS.empty_segment;
      }
      if (out.charCodeAt(segStart) === DOT && (nameLen === 1 || (nameLen === 2 && out.charCodeAt(segStart + 1) === DOT))) {
        return REJECTIONS.dot_segment;
      }
      if (i === end) break;
      out += '/';
      segStart = out.length;
      paramAt = -1;
      i++;
      continue;
    }
    const c = url.charCodeAt(i);
    if (c === PERCENT) {
      const b = escapedByte(url, i, end);
      if (b < 0) return REJECTIONS.bad_escape;
      if (isUnreserved(b)) {
        out += String.fromCharCode(b);
      } else if (b === SLASH || b === BACKSLASH) {
        return REJECTIONS.encoded_separator;
      } else if (b < 0x20 || b === 0x7f) {
        return REJECTIONS.control_char;
      } else if (b >= 0x80) {
        const shape = utf8Shape(b);
        if (shape === undefined) return REJECTIONS.invalid_utf8;
        out += escape(b);
        for (let k = 1; k < shape[0]; k++) {
          const next = escapedByte(url, i + 3 * k, end);
          const lo = k === 1 ? shape[1] : 0x80;
          const hi = k === 1 ? shape[2] : 0xbf;
          if (next < lo || next > hi) return REJECTIONS.invalid_utf8;
          out += escape(next);
        }
        i += 3 * (shape[0] - 1);
      } else {
        out += escape(b); // reserved or otherwise meaningful: kept encoded, upper-case hex
      }
      i += 3;
      continue;
    }
    if (c === SEMICOLON) {
      if (!allowParameters) return REJECTIONS.parameters;
      if (paramAt === -1) paramAt = out.length;
    } else if (c === BACKSLASH) {
      return REJECTIONS.backslash;
    } else if (c < 0x20 || c === 0x7f) {
      return REJECTIONS.control_char;
    } else if (c === 0x20 || c === HASH || c > 0x7f) {
      return REJECTIONS.invalid_char;
    }
    out += url.charAt(i);
    i++;
  }
  // `%25` then two hex digits (possibly produced by decoding `%34%31`): a second decode changes it.
  for (let p = out.indexOf('%25'); p !== -1; p = out.indexOf('%25', p + 3)) {
    if (hexValue(out.charCodeAt(p + 3)) >= 0 && hexValue(out.charCodeAt(p + 4)) >= 0) return REJECTIONS.double_encoding;
  }
  return out;
}

/** True when a configured route prefix is canonical, so that canonical paths can match it (route-config.ts). */
export function isCanonicalPrefix(prefix: string): boolean {
  const r = canonicalTarget(prefix, true);
  return r.ok && r.query === undefined && r.path === prefix;
}
