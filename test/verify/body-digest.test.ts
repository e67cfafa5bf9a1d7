// Content-Digest (RFC 9530) as certgate writes it and as certgate/verify checks it: the RFC's own
// example digests as vectors, a function hasher in place of the bytes, and a property test that
// no Content-Digest value, however malformed, throws anything but a typed refusal.
import t from 'tap';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { serializeDictionary } from 'structured-headers';
import { CertgateVerifyError } from '../../src/verify/errors.js';
import { checkContentDigest, hasBody } from '../../src/verify/body-digest.js';
import { requestView } from '../../src/verify/request-view.js';
import { contentDigestValue } from '../../src/wire/content-digest.js';

// RFC 9530 Appendix B.1 / B.2: the content `{"hello": "world"}` (no trailing newline).
const HELLO = Buffer.from('{"hello": "world"}');
const RFC_SHA256 = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
const RFC_SHA512 = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';

const view = (digest: string | undefined, extra: Record<string, string> = {}) =>
  requestView({ method: 'POST', url: '/token', headers: { host: 'as', ...(digest === undefined ? {} : { 'content-digest': digest }), ...extra } });
const code = (fn: () => void): string => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    if (err instanceof CertgateVerifyError) return err.code;
    throw err;
  }
};

t.test('RFC 9530 Appendix B vectors', async (t) => {
  t.equal(contentDigestValue(HELLO), RFC_SHA256, 'the gateway writes the RFC sha-256 value');
  t.equal(
    code(() => checkContentDigest(view(RFC_SHA256), HELLO)),
    'accepted',
    'sha-256',
  );
  t.equal(
    code(() => checkContentDigest(view(RFC_SHA512), HELLO)),
    'accepted',
    'sha-512',
  );
  t.equal(
    code(() => checkContentDigest(view(`${RFC_SHA256}, ${RFC_SHA512}`), HELLO)),
    'accepted',
    'both',
  );
  t.equal(contentDigestValue(Buffer.alloc(0)), 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:', 'the empty body has a digest too');
});

t.test('property: the gateway writes exactly what structured-headers serialises for the digest', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const digest = createHash('sha256').update(bytes).digest();
      const bs = new ArrayBuffer(digest.length);
      new Uint8Array(bs).set(digest);
      const expected = serializeDictionary(new Map([['sha-256', [bs, new Map()]]]));
      if (contentDigestValue(bytes) !== expected) throw new Error(`${contentDigestValue(bytes)} !== ${expected}`);
    }),
    { numRuns: 500 },
  );
});

t.test('a body that differs fails with ERR_DIGEST_MISMATCH, whichever algorithm disagrees', async (t) => {
  const other = Buffer.from('{"hello": "world!"}');
  t.equal(
    code(() => checkContentDigest(view(RFC_SHA256), other)),
    'ERR_DIGEST_MISMATCH',
  );
  t.equal(
    code(() => checkContentDigest(view(RFC_SHA512), other)),
    'ERR_DIGEST_MISMATCH',
  );
  const wrong512 = `sha-512=:${createHash('sha512').update(other).digest('base64')}:`;
  t.equal(
    code(() => checkContentDigest(view(`${RFC_SHA256}, ${wrong512}`), HELLO)),
    'ERR_DIGEST_MISMATCH',
    'every known member must match',
  );
  t.equal(
    code(() => checkContentDigest(view('sha-256=:AAAA:'), HELLO)),
    'ERR_DIGEST_MISMATCH',
    'a short digest',
  );
});

t.test('unknown algorithms are ignored, but one known member is needed; malformed values are ERR_MALFORMED', async (t) => {
  t.equal(
    code(() => checkContentDigest(view(`md5=:AAAA:, ${RFC_SHA256}`), HELLO)),
    'accepted',
  );
  t.equal(
    code(() => checkContentDigest(view('md5=:AAAA:'), HELLO)),
    'ERR_MALFORMED',
  );
  t.equal(
    code(() => checkContentDigest(view('sha-256="X48E9q"'), HELLO)),
    'ERR_MALFORMED',
    'a string, not a byte sequence',
  );
  t.equal(
    code(() => checkContentDigest(view('sha-256=:not base64'), HELLO)),
    'ERR_MALFORMED',
  );
});

t.test('a function can hash the stream in place of the bytes', async (t) => {
  const asked: string[] = [];
  const hasher = (alg: 'sha-256' | 'sha-512'): Uint8Array => {
    asked.push(alg);
    return createHash(alg.replace('-', '')).update(HELLO).digest();
  };
  t.equal(
    code(() => checkContentDigest(view(`${RFC_SHA256}, ${RFC_SHA512}`), hasher)),
    'accepted',
  );
  t.same(asked, ['sha-256', 'sha-512']);
});

t.test('hasBody: the bytes given decide; without them, the framing headers', async (t) => {
  t.equal(hasBody(view(undefined), Buffer.alloc(0)), false);
  t.equal(hasBody(view(undefined), HELLO), true);
  t.equal(hasBody(view(undefined, { 'content-length': '0' }), undefined), false);
  t.equal(hasBody(view(undefined, { 'content-length': '18' }), undefined), true);
  t.equal(
    hasBody(view(undefined, { 'transfer-encoding': 'chunked' }), () => new Uint8Array(32)),
    true,
  );
  t.equal(hasBody(view(undefined), undefined), false);
});

t.test('property: any Content-Digest value is accepted or refused with a typed error, never a crash', async () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[a-z0-9=:+/, "-]{0,80}$/)), fc.uint8Array({ maxLength: 64 }), (value, body) => {
      try {
        checkContentDigest(view(value), Buffer.from(body));
      } catch (err) {
        if (!(err instanceof CertgateVerifyError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});
