// Reading the forwarded client out of a verified request (forwarded-identity.ts): which
// certificate headers must be covered, one copy of each, decoding failures, the thumbprint
// cross-check, XFCC's subject, the PEM layout and the returned shape. Literal expectations.
import t from 'tap';
import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { assertCertHeadersCovered, readForwardedClient } from '../../src/verify/forwarded-identity.js';
import { requestView } from '../../src/verify/request-view.js';
import { CertgateVerifyError } from '../../src/verify/errors.js';
import { encodeCertHeader, encodeChainHeader } from '../../src/wire/header-codecs.js';
import { CHAIN_DER, LEAF_DER } from './forwarded-request-fixture.js';

const view = (headers: Record<string, string | string[]>) => requestView({ method: 'GET', url: '/', headers: { host: 'h', ...headers } });
const opts = { certHeader: 'X-Client-Cert', format: 'pem-urlencoded' as const };
const CERT = encodeCertHeader('pem-urlencoded', LEAF_DER);
const X5T = createHash('sha256').update(LEAF_DER).digest('base64url');

function refusal(fn: () => unknown): { code: string; message: string; component: string | undefined; cause: boolean } | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof CertgateVerifyError)) throw e;
    return { code: e.code, message: e.message, component: e.component, cause: e.cause !== undefined };
  }
}

t.test('every certificate-bearing header must be covered, in any spelling', async (t) => {
  const notCovered = (name: string) => ({ code: 'ERR_HEADER_NOT_COVERED', message: `${name} is present but not covered by the signature`, component: name, cause: false });
  const withChain = { ...opts, chainHeader: 'X-Chain' };
  for (const name of [
    'client-cert',
    'client-cert-chain',
    'x-forwarded-client-cert',
    'x-client-verify',
    'x-client-subject-dn',
    'x-client-cert-thumbprint',
    'x-client-cert',
    'x-chain',
    'x_client_cert',
    'client_cert_chain',
  ]) {
    t.same(
      refusal(() => assertCertHeadersCovered(view({ [name]: 'v' }), new Set(), withChain)),
      notCovered(name),
      name,
    );
    t.equal(
      refusal(() => assertCertHeadersCovered(view({ [name]: 'v' }), new Set([name]), withChain)),
      undefined,
      `${name} covered`,
    );
  }
  t.equal(
    refusal(() => assertCertHeadersCovered(view({ 'x-other': 'v' }), new Set(), opts)),
    undefined,
    'other headers need no coverage',
  );
  t.equal(
    refusal(() => assertCertHeadersCovered(view({ 'x-chain': 'v' }), new Set(), opts)),
    undefined,
    'a chain header only when configured',
  );
  t.same(
    refusal(() => assertCertHeadersCovered(view({ 'my-cert': 'v' }), new Set(), { ...opts, certHeader: 'My-Cert' })),
    notCovered('my-cert'),
  );
});

t.test('the forwarded client, literally', async (t) => {
  const full = readForwardedClient(view({ 'x-client-cert': ` ${CERT} `, 'x-client-verify': ' SUCCESS ', 'x-client-subject-dn': 'CN=BC', 'x-client-cert-thumbprint': X5T }), opts);
  const b64 = LEAF_DER.toString('base64');
  t.same(full, {
    certificate: { der: LEAF_DER, x5tS256: X5T, pem: `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n` },
    chain: [],
    subjectDN: 'CN=BC',
    verify: 'SUCCESS',
  });
  t.strictSame(readForwardedClient(view({}), opts), { chain: [] }, 'nothing forwarded: no certificate, subjectDN or verify keys');
  t.strictSame(
    readForwardedClient(view({ 'x-client-verify': 'NONE' }), { ...opts, chainHeader: 'X-Chain' }),
    { chain: [], verify: 'NONE' },
    'an absent chain header is an empty chain',
  );
  const chained = readForwardedClient(view({ 'x-client-cert': CERT, 'x-chain': encodeChainHeader('pem-urlencoded', CHAIN_DER) }), { ...opts, chainHeader: 'X-Chain' });
  t.same(
    chained.chain.map((c) => c.toString('hex')),
    CHAIN_DER.map((c) => c.toString('hex')),
  );
});

t.test('XFCC: chain and subject come from the one header; X-Client-Subject-DN wins when present', async (t) => {
  const xfcc = encodeCertHeader('xfcc', LEAF_DER, { chain: CHAIN_DER, subject: 'CN=From XFCC' });
  const x = { certHeader: 'x-forwarded-client-cert', format: 'xfcc' as const };
  const id = readForwardedClient(view({ 'x-forwarded-client-cert': xfcc }), x);
  t.equal(id.subjectDN, 'CN=From XFCC');
  t.equal(id.chain.length, 2);
  t.equal(readForwardedClient(view({ 'x-forwarded-client-cert': xfcc, 'x-client-subject-dn': 'CN=Header' }), x).subjectDN, 'CN=Header');
});

t.test('refusals: two copies, undecodable, thumbprint mismatch', async (t) => {
  t.same(
    refusal(() => readForwardedClient(view({ 'x-client-verify': ['SUCCESS', 'SUCCESS'] }), opts)),
    { code: 'ERR_MALFORMED', message: 'x-client-verify appears more than once', component: 'x-client-verify', cause: false },
  );
  t.same(
    refusal(() => readForwardedClient(view({ 'x-client-cert': 'not%20a%20cert' }), opts)),
    { code: 'ERR_MALFORMED', message: 'X-Client-Cert cannot be decoded', component: 'x-client-cert', cause: true },
  );
  t.same(
    refusal(() => readForwardedClient(view({ 'x-client-cert': CERT, 'x-chain': '%%%' }), { ...opts, chainHeader: 'X-Chain' })),
    { code: 'ERR_MALFORMED', message: 'X-Chain cannot be decoded', component: 'x-chain', cause: true },
  );
  const mismatch = { code: 'ERR_MALFORMED', message: 'X-Client-Cert-Thumbprint does not match the forwarded certificate', component: 'x-client-cert-thumbprint', cause: false };
  t.same(
    refusal(() => readForwardedClient(view({ 'x-client-cert': CERT, 'x-client-cert-thumbprint': 'A'.repeat(43) }), opts)),
    mismatch,
  );
  t.same(
    refusal(() => readForwardedClient(view({ 'x-client-cert-thumbprint': X5T }), opts)),
    mismatch,
    'a thumbprint without a certificate',
  );
});

t.test('a certificate whose base64 fills whole 64-character lines gets no empty PEM line', async (t) => {
  // DER of 48·k bytes is exactly k lines of base64; pick such a real certificate from Node's roots.
  const der = rootCertificates.map((pem) => new X509Certificate(pem).raw).find((d) => d.length % 48 === 0);
  if (der === undefined) throw new Error('no root certificate of 48·k bytes in this Node build');
  const b64 = der.toString('base64');
  const lines = b64.length / 64;
  const pem = readForwardedClient(view({ 'x-client-cert': encodeCertHeader('pem-urlencoded', der) }), opts).certificate?.pem;
  t.equal(pem, `-----BEGIN CERTIFICATE-----\n${b64.match(/.{64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`);
  t.equal(pem?.split('\n').length, lines + 3, `${lines} full lines, the two armour lines and the final newline`);
});
