import t from 'tap';
import type { ClientCertForwardConfig } from '../../src/config/types.js';
import type { ClientIdentity } from '../../src/identity/types.js';
import { dnToVisibleAscii, percentEncodeNonVisible } from '../../src/wire/ascii-safe.js';
import { decodeCertHeader, decodeChainHeader } from '../../src/wire/header-codecs.js';
import { addedHeaderNames, chainWithoutAnchor, compileIdentityHeaders, verifyHeaderValue } from '../../src/headers/identity-headers.js';
import { identityFor, makeCertFixtures } from './cert-fixtures.js';

const f = makeCertFixtures();
const verified = identityFor(f);
const none: ClientIdentity = { chain: [], verify: 'NONE' };

function cfg(over: Partial<ClientCertForwardConfig> = {}): ClientCertForwardConfig {
  return { header: 'X-Client-Cert', format: 'pem-urlencoded', chainHeader: 'X-Client-Cert-Chain', infoHeaders: true, ...over };
}

function toMap(flat: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, flat[i + 1]!);
  return m;
}

t.test('chain without the trust anchor', async (t) => {
  const cases: [string, ClientIdentity, string[]][] = [
    ['intermediate + self-issued root: root dropped', verified, [f.intermediate.subject]],
    ['partial chain ending at a non-self-issued CA: kept', identityFor(f, { chain: [f.intermediate] }), [f.intermediate.subject]],
    ['only the root: nothing left', identityFor(f, { chain: [f.root] }), []],
    ['empty chain', identityFor(f, { chain: [] }), []],
    ['a copy of the leaf is never repeated', identityFor(f, { chain: [f.leaf, f.intermediate, f.root] }), [f.intermediate.subject]],
  ];
  for (const [name, identity, want] of cases)
    t.same(
      chainWithoutAnchor(identity).map((c) => c.subject),
      want,
      name,
    );
});

t.test('pem-urlencoded with chain and info headers', async (t) => {
  const out = compileIdentityHeaders(cfg())(verified);
  t.same(
    out.filter((_, i) => i % 2 === 0),
    ['X-Client-Cert', 'X-Client-Cert-Chain', 'X-Client-Verify', 'X-Client-Subject-DN', 'X-Client-Cert-Thumbprint'],
  );
  const m = toMap(out);
  t.same(decodeCertHeader('pem-urlencoded', m.get('X-Client-Cert')!), f.leaf.raw);
  t.same(decodeChainHeader('pem-urlencoded', m.get('X-Client-Cert-Chain')!), [f.intermediate.raw], 'no trust anchor');
  t.equal(m.get('X-Client-Verify'), 'SUCCESS');
  t.equal(m.get('X-Client-Subject-DN'), 'O=Acme,CN=Client\\, \\"Q\\"\\; a=b \\C3\\A9', 'RFC 4514 hex escape for é');
  t.equal(m.get('X-Client-Cert-Thumbprint'), verified.certificate!.x5tS256);
});

t.test('every value is visible ASCII (space allowed), for every format', async (t) => {
  for (const format of ['pem-urlencoded', 'der-base64', 'rfc9440', 'xfcc'] as const) {
    for (const v of compileIdentityHeaders(cfg({ format }))(verified)) t.match(v, /^[\x20-\x7e]+$/, `${format}: ${v.slice(0, 30)}`);
  }
});

t.test('rfc9440 names and chain', async (t) => {
  const m = toMap(compileIdentityHeaders(cfg({ format: 'rfc9440', header: 'Client-Cert', chainHeader: 'Client-Cert-Chain' }))(verified));
  t.same(decodeCertHeader('rfc9440', m.get('Client-Cert')!), f.leaf.raw);
  t.same(decodeChainHeader('rfc9440', m.get('Client-Cert-Chain')!), [f.intermediate.raw]);
});

t.test('xfcc carries the chain inside; no separate chain header', async (t) => {
  const out = compileIdentityHeaders(cfg({ format: 'xfcc', header: 'X-Forwarded-Client-Cert', infoHeaders: false }))(verified);
  t.equal(out.length, 2);
  t.equal(out[0], 'X-Forwarded-Client-Cert');
  t.same(decodeCertHeader('xfcc', out[1]!), f.leaf.raw);
  t.same(decodeChainHeader('xfcc', out[1]!), [f.intermediate.raw]);
});

t.test('no chain header when the chain is empty or not configured', async (t) => {
  const noChain = toMap(compileIdentityHeaders(cfg())(identityFor(f, { chain: [f.root] })));
  t.notOk(noChain.has('X-Client-Cert-Chain'));
  const unconfigured = toMap(compileIdentityHeaders(cfg({ chainHeader: undefined }))(verified));
  t.notOk(unconfigured.has('X-Client-Cert-Chain'));
});

t.test('no certificate: only X-Client-Verify NONE', async (t) => {
  t.same(compileIdentityHeaders(cfg())(none), ['X-Client-Verify', 'NONE']);
  t.same(compileIdentityHeaders(cfg({ infoHeaders: false }))(none), []);
});

t.test('failed verification: certificate forwarded, reason in X-Client-Verify', async (t) => {
  const failed = identityFor(f, { chain: [], verify: 'FAILED', verifyReason: 'CERT_HAS_EXPIRED' });
  const m = toMap(compileIdentityHeaders(cfg())(failed));
  t.equal(m.get('X-Client-Verify'), 'FAILED:CERT_HAS_EXPIRED');
  t.ok(m.has('X-Client-Cert'));
  t.equal(verifyHeaderValue({ chain: [], verify: 'FAILED' }), 'FAILED');
  t.equal(verifyHeaderValue({ chain: [], verify: 'FAILED', verifyReason: 'bad\r\nX-Evil: 1' }), 'FAILED:bad%0D%0AX-Evil:%201');
});

t.test('cached per identity object: same frozen array, no re-encoding', async (t) => {
  const headers = compileIdentityHeaders(cfg());
  const a = headers(verified);
  t.equal(headers(verified), a, 'same array');
  t.ok(Object.isFrozen(a));
  t.not(headers(identityFor(f)), a, 'another identity object gets its own');
});

t.test('addedHeaderNames', async (t) => {
  t.same(addedHeaderNames(cfg()), ['x-client-cert', 'x-client-cert-chain', 'x-client-verify', 'x-client-subject-dn', 'x-client-cert-thumbprint']);
  t.same(addedHeaderNames(cfg({ format: 'xfcc', header: 'X-Forwarded-Client-Cert', infoHeaders: false })), ['x-forwarded-client-cert']);
  t.same(addedHeaderNames(cfg({ chainHeader: undefined, infoHeaders: false })), ['x-client-cert']);
});

t.test('ASCII safety helpers', async (t) => {
  const dn: [string, string][] = [
    ['CN=plain', 'CN=plain'],
    ['CN=é', 'CN=\\C3\\A9'],
    ['CN=a\nb', 'CN=a\\0Ab'],
    ['CN=日本', 'CN=\\E6\\97\\A5\\E6\\9C\\AC'],
    ['CN=\u{1F600}', 'CN=\\F0\\9F\\98\\80'],
  ];
  for (const [input, want] of dn) t.equal(dnToVisibleAscii(input), want, JSON.stringify(input));
  t.equal(percentEncodeNonVisible('spiffe://x/ü y'), 'spiffe://x/%C3%BC%20y');
  t.equal(percentEncodeNonVisible('a.example'), 'a.example');
});
