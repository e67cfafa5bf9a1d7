// The signer keeps the constant part of the base per frozen header list (one identity on one
// upstream). Every request must still be signed over exactly its own values: another identity,
// another coverage variant, another request-ID header, another second, another signer (a reload
// or another upstream) and a list that is not frozen never get a base made for something else.
import t from 'tap';
import { parseDictionary } from 'structured-headers';
import { createRequestSigner, type SignedHeaders } from '../../src/signing/request-signer.js';
import { createVerifyFn } from '../../src/wire/signature-algorithms.js';
import { buildSignatureBase, type ComponentLine } from '../../src/wire/signature-base.js';
import { signatureConfig } from '../verify/forwarded-request-fixture.js';

const NOW = 1_763_000_000_123;
const sig = signatureConfig('ed25519', 'gw-a');

/** True when `out` is a valid signature by `key` over exactly `lines` and its own parameters. */
function signs(out: SignedHeaders, lines: ComponentLine[], key = sig.publicKey): boolean {
  const params = out.signatureInput.slice('certgate='.length);
  const bytes = Buffer.from(/^certgate=:(.*):$/.exec(out.signature)![1]!, 'base64');
  return createVerifyFn('ed25519', key)(buildSignatureBase(lines, params), bytes);
}

const alice = Object.freeze(['X-Client-Cert', 'alice-cert', 'X-Client-Verify', 'SUCCESS']);
const bob = Object.freeze(['X-Client-Cert', 'bob-cert', 'X-Client-Verify', 'SUCCESS']);
const head = (path: string): ComponentLine[] => [
  ['@method', 'GET'],
  ['@authority', 'up'],
  ['@path', path],
];

t.test('two identities on one signer: each request is signed over its own header values', async (t) => {
  const signer = createRequestSigner(sig);
  for (let i = 0; i < 3; i++) {
    for (const [added, cert] of [
      [alice, 'alice-cert'],
      [bob, 'bob-cert'],
    ] as const) {
      const out = signer.sign({ method: 'GET', authority: 'up', path: '/p', added, now: NOW });
      t.ok(signs(out, [...head('/p'), ['x-client-cert', cert], ['x-client-verify', 'SUCCESS']]), `${cert}, request ${i + 1}`);
    }
  }
});

t.test('one identity: with and without a query, a digest, a request ID, alternating', async (t) => {
  const signer = createRequestSigner(sig);
  const idLines: ComponentLine[] = [
    ['x-client-cert', 'alice-cert'],
    ['x-client-verify', 'SUCCESS'],
  ];
  const digest = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
  for (let i = 0; i < 2; i++) {
    const plain = signer.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, now: NOW });
    t.ok(signs(plain, [...head('/p'), ...idLines]), 'no query');
    const query = signer.sign({ method: 'GET', authority: 'up', path: '/p', query: '?q=1', added: alice, now: NOW });
    t.ok(signs(query, [...head('/p'), ['@query', '?q=1'], ...idLines]), 'with a query');
    const withId = signer.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, requestIdHeader: 'X-Request-Id', requestId: `id-${i}`, now: NOW });
    t.ok(signs(withId, [...head('/p'), ...idLines, ['x-request-id', `id-${i}`]]), 'with X-Request-Id');
    const otherId = signer.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, requestIdHeader: 'X-Trace', requestId: `t-${i}`, now: NOW });
    t.ok(signs(otherId, [...head('/p'), ...idLines, ['x-trace', `t-${i}`]]), 'another listener, another ID header');
    t.match(otherId.signatureInput, /"x-client-verify" "x-trace"\);/);
    const digested = signer.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, contentDigest: digest, now: NOW });
    t.ok(signs(digested, [...head('/p'), ...idLines, ['content-digest', digest]]), 'with a digest');
  }
});

t.test('created and expires follow the clock, second by second', async (t) => {
  const signer = createRequestSigner(sig);
  for (const now of [NOW, NOW + 1000, NOW, NOW + 61_000]) {
    const out = signer.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, now });
    const created = Math.floor(now / 1000);
    const params = (parseDictionary(out.signatureInput).get('certgate') as [unknown, Map<string, unknown>])[1];
    t.equal(params.get('created'), created);
    t.equal(params.get('expires'), created + 30);
    t.ok(signs(out, [...head('/p'), ['x-client-cert', 'alice-cert'], ['x-client-verify', 'SUCCESS']]));
  }
});

t.test('two signers (a reload, another upstream) on one identity: each its own key and keyid', async (t) => {
  const other = signatureConfig('ed25519', 'gw-b');
  const a = createRequestSigner(sig);
  const b = createRequestSigner(other);
  const lines: ComponentLine[] = [...head('/p'), ['x-client-cert', 'alice-cert'], ['x-client-verify', 'SUCCESS']];
  const fromA = a.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, now: NOW });
  const fromB = b.sign({ method: 'GET', authority: 'up', path: '/p', added: alice, now: NOW });
  t.match(fromA.signatureInput, /;keyid="gw-a";/);
  t.match(fromB.signatureInput, /;keyid="gw-b";/);
  t.ok(signs(fromA, lines, sig.publicKey));
  t.ok(signs(fromB, lines, other.publicKey));
  t.notOk(signs(fromB, lines, sig.publicKey), "b's signature is not a's key's");
});

t.test('a list that is not frozen is read afresh on every request', async (t) => {
  const signer = createRequestSigner(sig);
  const added = ['X-Client-Cert', 'first'];
  const first = signer.sign({ method: 'GET', authority: 'up', path: '/p', added, now: NOW });
  t.ok(signs(first, [...head('/p'), ['x-client-cert', 'first']]));
  added[1] = 'second';
  const second = signer.sign({ method: 'GET', authority: 'up', path: '/p', added, now: NOW });
  t.ok(signs(second, [...head('/p'), ['x-client-cert', 'second']]), 'the new value is covered');
  t.notOk(signs(second, [...head('/p'), ['x-client-cert', 'first']]), 'not the old one');
});
