// Route matching is a plain string prefix on the raw path (route-table.ts). That is only
// sound if the upstream reads the same path: `/api/../admin`, `/api/%2e%2e/admin`,
// `/api%2fx`, `/api\..\admin` or `//admin` may be normalised by an upstream (or a framework)
// into a path that a different route, with a different policy, was meant to guard.
// The pipeline rejects such paths (400) before routing instead of guessing a normalisation.

/**
 * True when the path (query excluded) has a segment an upstream might rewrite: a `.` or `..`
 * segment, a percent-encoded `.`, `/` or `\`, a backslash, an empty segment (`//`), or does
 * not start with `/`. One pass over the characters, no allocation.
 */
export function isAmbiguousPath(path: string): boolean {
  let end = path.indexOf('?');
  if (end === -1) end = path.length;
  if (end === 0 || path.charCodeAt(0) !== 0x2f /* / */) return true;
  let segStart = 1;
  for (let i = 1; i <= end; i++) {
    const c = i === end ? 0x2f : path.charCodeAt(i);
    if (c === 0x2f) {
      const len = i - segStart;
      // empty segment, except a single trailing slash ("/api/")
      if (len === 0 && i !== end) return true;
      if (len === 1 && path.charCodeAt(segStart) === 0x2e) return true;
      if (len === 2 && path.charCodeAt(segStart) === 0x2e && path.charCodeAt(segStart + 1) === 0x2e) return true;
      segStart = i + 1;
    } else if (c === 0x5c /* \ */) {
      return true;
    } else if (c === 0x25 /* % */ && i + 2 < end) {
      const h = path.charCodeAt(i + 1);
      const l = path.charCodeAt(i + 2) | 0x20; // lower-case hex letter
      if (h === 0x32 && (l === 0x65 /* %2e */ || l === 0x66 /* %2f */)) return true;
      if (h === 0x35 && l === 0x63 /* %5c */) return true;
    }
  }
  return false;
}
