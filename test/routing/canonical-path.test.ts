// The canonical request path (issue 7 finding 3, issue 8's unchecked paths). Expectations are
// written out literally; the property tests compare with an independent Tomcat-style normaliser.
import t from 'tap';
import fc from 'fast-check';
import { canonicalTarget, isCanonicalPrefix } from '../../src/routing/canonical-path.js';

type Want = { path: string; query?: string } | { reason: string };

// [raw request target, canonical path (and query) or refusal reason], with `paths.parameters: reject`.
const REJECT_MODE: ReadonlyArray<[string, Want]> = [
  ['/', { path: '/' }],
  ['/api/', { path: '/api/' }],
  ['/api/items/1', { path: '/api/items/1' }],
  ['/a.b/c..d/.well-known/x', { path: '/a.b/c..d/.well-known/x' }],
  ['/...', { path: '/...' }],
  ['/oauth/v2/oauth-token?x=../..', { path: '/oauth/v2/oauth-token', query: '?x=../..' }],
  ['/a?x=%2e%2E;y', { path: '/a', query: '?x=%2e%2E;y' }],
  ['/a?', { path: '/a', query: '?' }],
  // unreserved escapes decoded (RFC 3986 section 6.2.2.2), other hex upper-cased (6.2.2.1)
  ['/%61llowed/secret', { path: '/allowed/secret' }],
  ['/%41%5a%61%7A%30%39%2D%2e%5F%7e', { path: '/AZaz09-._~' }],
  ['/api/%7e', { path: '/api/~' }],
  ['/api/%20x%41', { path: '/api/%20xA' }],
  ['/a%3bb%3B', { path: '/a%3Bb%3B' }],
  ['/a%3fb%23c%40d%2b', { path: '/a%3Fb%23c%40d%2B' }],
  ['/caf%c3%a9', { path: '/caf%C3%A9' }],
  ['/%e2%82%ac/%F0%9F%98%80', { path: '/%E2%82%AC/%F0%9F%98%80' }],
  ['/a%2ex/x%2e', { path: '/a.x/x.' }],
  ['/100%25', { path: '/100%25' }],
  ['/100%25zz', { path: '/100%25zz' }],
  ['/%61?%61', { path: '/a', query: '?%61' }],
  // ; parameters
  ['/allowed;x/secret', { reason: 'parameters' }],
  ['/admin;jsessionid=1/x', { reason: 'parameters' }],
  ['/public/..;/admin/x', { reason: 'parameters' }],
  ['/pinned/..;/token', { reason: 'parameters' }],
  ['/.;/', { reason: 'parameters' }],
  ['/a;', { reason: 'parameters' }],
  // dot segments, raw or encoded
  ['/api/..', { reason: 'dot_segment' }],
  ['/api/../admin', { reason: 'dot_segment' }],
  ['/api/./admin', { reason: 'dot_segment' }],
  ['/.', { reason: 'dot_segment' }],
  ['/api/%2e%2e/admin', { reason: 'dot_segment' }],
  ['/api/%2E./admin', { reason: 'dot_segment' }],
  ['/api/.%2E', { reason: 'dot_segment' }],
  ['/%2e/', { reason: 'dot_segment' }],
  // double encoding: a second decode would change the path
  ['/%252e%252e/x', { reason: 'double_encoding' }],
  ['/%252f', { reason: 'double_encoding' }],
  ['/%255c', { reason: 'double_encoding' }],
  ['/%2561llowed', { reason: 'double_encoding' }],
  ['/%25%34%31', { reason: 'double_encoding' }],
  ['/%25%32e', { reason: 'double_encoding' }],
  // separators
  ['/api%2fadmin', { reason: 'encoded_separator' }],
  ['/api%2Fadmin', { reason: 'encoded_separator' }],
  ['/api%5cadmin', { reason: 'encoded_separator' }],
  ['/api%5Cadmin', { reason: 'encoded_separator' }],
  ['/api\\..\\admin', { reason: 'backslash' }],
  ['/api\\x', { reason: 'backslash' }],
  ['//admin', { reason: 'empty_segment' }],
  ['/api//x', { reason: 'empty_segment' }],
  ['/api//', { reason: 'empty_segment' }],
  // control characters, raw or encoded
  ['/a%00', { reason: 'control_char' }],
  ['/a%0a', { reason: 'control_char' }],
  ['/a%0D%0Ax', { reason: 'control_char' }],
  ['/a%1f', { reason: 'control_char' }],
  ['/a%7f', { reason: 'control_char' }],
  ['/a\u0000', { reason: 'control_char' }],
  ['/a\tb', { reason: 'control_char' }],
  // not UTF-8 after decoding
  ['/%c0%ae', { reason: 'invalid_utf8' }],
  ['/%c0%ae%c0%ae/x', { reason: 'invalid_utf8' }],
  ['/%e0%80%ae', { reason: 'invalid_utf8' }],
  ['/%c3', { reason: 'invalid_utf8' }],
  ['/%c3x', { reason: 'invalid_utf8' }],
  ['/%80', { reason: 'invalid_utf8' }],
  ['/%ff', { reason: 'invalid_utf8' }],
  ['/%ed%a0%80', { reason: 'invalid_utf8' }],
  ['/%f4%90%80%80', { reason: 'invalid_utf8' }],
  // malformed escapes (`%2%66` would otherwise become `%2f` once `%66` is decoded)
  ['/api/x%2', { reason: 'bad_escape' }],
  ['/api/x%', { reason: 'bad_escape' }],
  ['/a%zz', { reason: 'bad_escape' }],
  ['/x%2%66', { reason: 'bad_escape' }],
  ['/x%2?a', { reason: 'bad_escape' }],
  // characters no request target carries
  ['/a b', { reason: 'invalid_char' }],
  ['/a#b', { reason: 'invalid_char' }],
  ['/caf\u00e9', { reason: 'invalid_char' }],
  // not origin-form
  ['', { reason: 'not_origin_form' }],
  ['api/', { reason: 'not_origin_form' }],
  ['*', { reason: 'not_origin_form' }],
  ['http://evil/admin', { reason: 'not_origin_form' }],
  ['%252e%252e', { reason: 'not_origin_form' }],
  ['?x', { reason: 'not_origin_form' }],
  // query: kept as sent, but no control characters or spaces
  ['/a?b c', { reason: 'query_invalid' }],
  ['/a?b\u0001', { reason: 'query_invalid' }],
  ['/a?b\u007f', { reason: 'query_invalid' }],
  // mutation-testing rows (docs/mutation-testing.md): UTF-8 boundaries, one lead byte at a time
  ['/%C2%80/%DF%BF', { path: '/%C2%80/%DF%BF' }], // lowest and highest two-byte sequences
  ['/%E0%A0%80', { path: '/%E0%A0%80' }], // U+0800, the lowest three-byte one
  ['/%E1%80%80/%EC%BF%BF/%EF%BF%BD', { path: '/%E1%80%80/%EC%BF%BF/%EF%BF%BD' }],
  ['/%ED%9F%BF', { path: '/%ED%9F%BF' }], // U+D7FF, just below the surrogates
  ['/%F0%90%80%80', { path: '/%F0%90%80%80' }],
  ['/%F1%80%80%80/%F3%BF%BF%BF', { path: '/%F1%80%80%80/%F3%BF%BF%BF' }],
  ['/%F4%8F%BF%BF', { path: '/%F4%8F%BF%BF' }], // U+10FFFF, the highest code point
  ['/%C1%BF', { reason: 'invalid_utf8' }], // overlong
  ['/%80%80%80', { reason: 'invalid_utf8' }], // a continuation byte as lead
  ['/%80%80%80%80', { reason: 'invalid_utf8' }],
  ['/%F5%80%80%80', { reason: 'invalid_utf8' }], // above U+10FFFF
  ['/%C3xA9', { reason: 'invalid_utf8' }], // the continuation must be an escape, not bare hex
  ['/%E2%82x', { reason: 'invalid_utf8' }],
  // escapes: hex digits only, any case
  ['/%4@', { reason: 'bad_escape' }],
  ['/%@4', { reason: 'bad_escape' }],
  ['/%4`', { reason: 'bad_escape' }],
  ['/%4g', { reason: 'bad_escape' }],
  ['/%2g%41', { reason: 'bad_escape' }],
  ['/%4a%4A%4f%4F', { path: '/JJOO' }],
  // %25 is refused only before two hex digits
  ['/%25ax', { path: '/%25ax' }],
  ['/%25x1', { path: '/%25x1' }],
  ['/%251x', { path: '/%251x' }],
  ['/%2500', { reason: 'double_encoding' }],
  ['/%2509', { reason: 'double_encoding' }],
  // dot segments only when the whole name is . or .. (slow path: an escape elsewhere)
  ['/.well-known/%41', { path: '/.well-known/A' }],
  ['/..x/%41', { path: '/..x/A' }],
  ['/.x/%41', { path: '/.x/A' }],
  ['/x./%41', { path: '/x./A' }],
  // raw characters that only the fast path sees
  ['/ ', { reason: 'invalid_char' }],
  ['/\u0001', { reason: 'control_char' }],
  ['/a\u007f', { reason: 'control_char' }],
  ['/%41\u007f', { reason: 'control_char' }],
  ['/\u00e9', { reason: 'invalid_char' }],
  ['/%', { reason: 'bad_escape' }],
  ['/#', { reason: 'invalid_char' }],
];

// With `paths.parameters: allow`: parameters stay, but a segment's name is still checked.
const ALLOW_MODE: ReadonlyArray<[string, Want]> = [
  ['/allowed;x/secret', { path: '/allowed;x/secret' }],
  ['/admin;jsessionid=1/x', { path: '/admin;jsessionid=1/x' }],
  ['/a;%61=%62', { path: '/a;a=b' }],
  ['/pinned/..;/token', { reason: 'dot_segment' }],
  ['/public/..;/admin/x', { reason: 'dot_segment' }],
  ['/.;/', { reason: 'dot_segment' }],
  ['/a/%2e%2e;x/', { reason: 'dot_segment' }],
  ['/;x/a', { reason: 'empty_segment' }],
  ['/a/;x', { reason: 'empty_segment' }],
  ['/..;a;b/x', { reason: 'dot_segment' }], // the name ends at the first ;
  ['/.;a;b', { reason: 'dot_segment' }],
  ['/a;b;c/%41', { path: '/a;b;c/A' }],
];

t.test('each refusal says what was refused, in words (literal)', async (t) => {
  const rows: ReadonlyArray<[string, boolean, string]> = [
    ['api', false, 'request path refused: not_origin_form (the path must start with /)'],
    ['/a/../b', false, 'request path refused: dot_segment (a . or .. segment, raw or percent-encoded)'],
    ['/a//b', false, 'request path refused: empty_segment (an empty segment (//))'],
    ['/a\\b', false, 'request path refused: backslash (a backslash)'],
    ['/a%2fb', false, 'request path refused: encoded_separator (a percent-encoded / or \\)'],
    ['/a;b', false, 'request path refused: parameters (a ; path parameter)'],
    ['/a%00', false, 'request path refused: control_char (a control character, raw or percent-encoded)'],
    ['/%c0%ae', false, 'request path refused: invalid_utf8 (percent-encoded bytes that are not UTF-8)'],
    ['/%252e', false, 'request path refused: double_encoding (a percent-encoded %)'],
    ['/%zz', false, 'request path refused: bad_escape (a % not followed by two hex digits)'],
    ['/a b', false, 'request path refused: invalid_char (a space, # or non-ASCII character)'],
    ['/a?b c', false, 'request path refused: query_invalid (a control character or space in the query)'],
  ];
  for (const [raw, allow, description] of rows) {
    const r = canonicalTarget(raw, allow);
    t.equal(r.ok ? undefined : r.description, description, JSON.stringify(raw));
  }
});

function check(mode: string, rows: ReadonlyArray<[string, Want]>, allow: boolean): void {
  for (const [raw, want] of rows) {
    t.test(`${mode} ${JSON.stringify(raw)}`, async (t) => {
      const r = canonicalTarget(raw, allow);
      if ('reason' in want) {
        t.equal(r.ok, false, 'refused');
        if (!r.ok) {
          t.equal(r.reason, want.reason);
          t.match(r.description, new RegExp(`^request path refused: ${want.reason} \\(`), 'description starts with the reason');
        }
      } else {
        t.equal(r.ok, true, 'accepted');
        if (r.ok) {
          t.equal(r.path, want.path, 'canonical path');
          t.equal(r.query, want.query, 'query as sent');
          t.equal(r.target, want.path + (want.query ?? ''), 'target = path + query');
        }
      }
    });
  }
}
check('reject', REJECT_MODE, false);
check('allow', ALLOW_MODE, true);

t.test('refusals are shared frozen answers (no allocation per refusal)', async (t) => {
  const a = canonicalTarget('/a/../b', false);
  t.equal(a, canonicalTarget('/c/../d', false));
  t.ok(Object.isFrozen(a));
});

t.test('a canonical path without query is returned as the same string (fast path)', async (t) => {
  const url = '/api/items/1';
  const r = canonicalTarget(url, false);
  t.ok(r.ok && r.path === url && r.target === url);
});

t.test('route prefixes must be canonical to be matchable', async (t) => {
  // a prefix with ; parameters is canonical: a listener with paths.parameters: allow can match it
  for (const p of ['/', '/api', '/api/', '/a-b.c_d~/', '/%C3%A9/', '/a;b/', '/app;v=1']) t.ok(isCanonicalPrefix(p), p);
  for (const p of ['/%61pi/', '/%c3%a9/', '/a/../b', '//x', '/a?b', 'api']) t.notOk(isCanonicalPrefix(p), p);
});

// ---- properties -------------------------------------------------------------------------------

const seed = Number(process.env.FC_SEED ?? 20260702);
t.comment(`fast-check seed ${seed} (set FC_SEED to replay)`);
// FC_NUM_RUNS: fewer runs under `npm run mutation` (stryker.config.mjs), where every mutant reruns this file.
const runs = { seed, numRuns: Number(process.env.FC_NUM_RUNS ?? 3000) };

/**
 * Tomcat-style reading of a raw path, written independently of the implementation: decode the
 * unreserved escapes (upper-casing the others), `\` read as `/`, `;params` dropped per segment,
 * `//` collapsed, `.` and `..` resolved.
 */
function tomcatView(raw: string): string {
  const q = raw.indexOf('?');
  const p = q === -1 ? raw : raw.slice(0, q);
  const decoded = p.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => {
    const c = String.fromCharCode(parseInt(h, 16));
    return /^[A-Za-z0-9._~-]$/.test(c) ? c : `%${h.toUpperCase()}`;
  });
  const segments = decoded.replaceAll('\\', '/').split('/').slice(1);
  const out: string[] = [];
  segments.forEach((raw, i) => {
    const last = i === segments.length - 1;
    const semi = raw.indexOf(';');
    const s = semi === -1 ? raw : raw.slice(0, semi);
    if (s === '..') out.pop();
    if (s === '.' || s === '..') {
      if (last) out.push('');
      return;
    }
    if (s === '' && !last) return;
    out.push(s);
  });
  return '/' + out.join('/');
}

/** Every escape decoded to its byte (latin1), as a component that decodes the path would. */
function decodeAll(p: string): string {
  return p.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const PIECES = [
  '/',
  '/',
  '/',
  'a',
  'b',
  'admin',
  '.',
  '..',
  ';',
  ';x=1',
  '%2e',
  '%2E',
  '%2f',
  '%5c',
  '\\',
  '%61',
  '%7e',
  '%7E',
  '%25',
  '%252e',
  '%32',
  '%3b',
  '%3B',
  '%c3%a9',
  '%C0%AE',
  '%00',
  '%0a',
  '%',
  '%4',
  '~',
  '-',
  '_',
  '?x=../',
  '#',
  ' ',
  'é',
  '%e2%82%ac',
];
const rawPath = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => '/' + parts.join(''));

t.test('property: an accepted path means to a Tomcat-style normaliser exactly its canonical form', async (t) => {
  fc.assert(
    fc.property(rawPath, (raw) => {
      const r = canonicalTarget(raw, false);
      if (!r.ok) return true;
      return tomcatView(raw) === r.path && tomcatView(r.path) === r.path;
    }),
    runs,
  );
  t.pass(`${runs.numRuns} runs`);
});

t.test('property: decoding an accepted path once more changes nothing (no double encoding)', async (t) => {
  fc.assert(
    fc.property(rawPath, (raw) => {
      const r = canonicalTarget(raw, false);
      if (!r.ok) return true;
      const once = decodeAll(r.path);
      return decodeAll(once) === once && once.split('/').length === r.path.split('/').length && !/(^|\/)\.\.?(\/|$)/.test(once);
    }),
    runs,
  );
  t.pass(`${runs.numRuns} runs`);
});

t.test('property: canonicalisation is idempotent', async (t) => {
  fc.assert(
    fc.property(rawPath, fc.boolean(), (raw, allow) => {
      const r = canonicalTarget(raw, allow);
      if (!r.ok) return true;
      const again = canonicalTarget(r.target, allow);
      return again.ok && again.target === r.target;
    }),
    runs,
  );
  t.pass(`${runs.numRuns} runs`);
});

t.test('property: with parameters allowed, Tomcat reads the raw and the canonical path alike', async (t) => {
  fc.assert(
    fc.property(rawPath, (raw) => {
      const r = canonicalTarget(raw, true);
      if (!r.ok) return true;
      return tomcatView(raw) === tomcatView(r.path);
    }),
    runs,
  );
  t.pass(`${runs.numRuns} runs`);
});

t.test('property: never throws, on any string', async (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 64 }).map((s) => '/' + s),
      ),
      fc.boolean(),
      (raw, allow) => {
        const r = canonicalTarget(raw, allow);
        return r.ok ? typeof r.path === 'string' && r.path.startsWith('/') : typeof r.reason === 'string';
      },
    ),
    runs,
  );
  t.pass(`${runs.numRuns} runs`);
});
