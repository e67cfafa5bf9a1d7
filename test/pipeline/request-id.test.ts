// The request-ID rules: what a client-sent ID must look like to be taken as is (a property test
// over arbitrary strings, and the cases written out), and what a generated ID looks like.
import t from 'tap';
import fc from 'fast-check';
import { generateRequestId, isWellFormedRequestId } from '../../src/pipeline/request-id.js';

t.test('cases, literally', async (t) => {
  for (const ok of ['a', 'A-1_b.c~d', '0f8fad5b-d9cb-469f-a165-70867728950e', 'Root=1-5759e988;Parent=53995c3f;Sampled=1', 'x'.repeat(128)]) {
    t.ok(isWellFormedRequestId(ok), `accepted: ${ok.slice(0, 40)}`);
  }
  for (const bad of ['', 'x'.repeat(129), 'a b', 'a\tb', 'a\r\nb', 'caf\u00e9', '\u{1F600}', 'a,b', 'a, b', 'a"b', 'a\\b', '\u0000', '\u007f']) {
    t.notOk(isWellFormedRequestId(bad), `refused: ${JSON.stringify(bad)}`);
  }
});

t.test('property: accepted exactly when 1 to 128 visible ASCII characters other than " \\ ,', async (t) => {
  const allowed = (s: string): boolean => s.length >= 1 && s.length <= 128 && /^[\x21-\x7e]+$/.test(s) && !/["\\,]/.test(s);
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 140 }), fc.string({ unit: 'binary', maxLength: 140 }), fc.stringMatching(/^[\x20-\x7f]{120,135}$/)), (s) => {
      return isWellFormedRequestId(s) === allowed(s);
    }),
    { numRuns: 2000 },
  );
  t.pass('2000 strings judged as the rule says');
});

t.test('generated IDs: unique, well-formed, a per-process prefix and a counter', async (t) => {
  const ids = Array.from({ length: 1000 }, () => generateRequestId());
  t.equal(new Set(ids).size, ids.length, 'no repeats');
  t.ok(
    ids.every((id) => isWellFormedRequestId(id)),
    'a trusting gateway further on takes them as they are',
  );
  const prefixes = new Set(ids.map((id) => id.slice(0, id.lastIndexOf('-'))));
  t.equal(prefixes.size, 1, 'one prefix per process');
  t.match(ids[0], /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/);
});
