// The Authorization field reader (RFC 6750 section 2.1, RFC 9110 section 11): a parser of client
// input, so it gets examples and fast-check properties. The b64token grammar is written out here.
import t from 'tap';
import fc from 'fast-check';
import { authorizationField, parseCredentials, SEVERAL_FIELDS } from '../../src/token-binding/bearer-token.js';

/** b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
const B64TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const isB64token = (s: string): boolean => {
  const body = s.replace(/=+$/, '');
  for (let i = 0; i < body.length; i++) if (!B64TOKEN_CHARS.includes(body.charAt(i))) return false;
  return body.length > 0;
};

t.test('examples', async (t) => {
  t.same(parseCredentials(undefined), { kind: 'none' });
  t.same(parseCredentials('Bearer abc.def-ghi_jkl~m+n/o=='), { kind: 'bearer', token: 'abc.def-ghi_jkl~m+n/o==' });
  t.same(parseCredentials('bearer abc'), { kind: 'bearer', token: 'abc' }, 'the scheme is case-insensitive');
  t.same(parseCredentials('BEARER   abc'), { kind: 'bearer', token: 'abc' }, 'several spaces before the token');
  t.same(parseCredentials('DPoP abc'), { kind: 'dpop' });
  t.same(parseCredentials('dpop abc'), { kind: 'dpop' });
  t.same(parseCredentials('Basic Z3c6cHc='), { kind: 'other' });
  for (const bad of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer =abc', 'Bearer ab=c', 'Bearer a,b', 'Bearer "abc"', 'Bearer\tabc', ' ', '', 'Bearer a\u00e9']) {
    t.same(parseCredentials(bad), { kind: 'malformed' }, JSON.stringify(bad));
  }
  t.same(parseCredentials(SEVERAL_FIELDS), { kind: 'malformed' });
});

t.test('the field is read from the raw headers; two fields are refused', async (t) => {
  t.equal(authorizationField(['Host', 'a', 'AUTHORIZATION', 'Bearer x']), 'Bearer x');
  t.equal(authorizationField(['Host', 'a']), undefined);
  t.equal(authorizationField(['authorization', 'Bearer x', 'Authorization', 'Bearer y']), SEVERAL_FIELDS);
  t.equal(authorizationField(['x-authorization', 'Bearer x']), undefined);
});

t.test('never throws, and a Bearer value passes exactly when it is a b64token', async (t) => {
  const chars = fc.constantFrom(...`${B64TOKEN_CHARS}= ,;"\\\t:é\u0000`.split(''));
  const candidate = fc.oneof(fc.string({ unit: chars, maxLength: 40 }), fc.string({ maxLength: 40 }));
  fc.assert(
    fc.property(candidate, (value) => {
      const r = parseCredentials(`Bearer ${value}`);
      if (isB64token(value)) return r.kind === 'bearer' && r.token === value;
      // Leading spaces are separators, not part of the token.
      const trimmed = value.replace(/^ +/, '');
      if (trimmed !== value && isB64token(trimmed)) return r.kind === 'bearer' && r.token === trimmed;
      return r.kind === 'malformed';
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (field) => {
      const r = parseCredentials(field);
      return ['none', 'bearer', 'dpop', 'other', 'malformed'].includes(r.kind);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 Bearer values and 2000 whole fields');
});
