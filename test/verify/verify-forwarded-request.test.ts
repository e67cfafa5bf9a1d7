// certgate/verify against requests shaped as certgate forwards them: the identity it returns for
// each header format, and every refusal (tampering, replay, unknown key, injected headers).
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { verifyForwardedRequest } from '../../src/verify/index.js';
import type { VerifyOptions } from '../../src/verify/index.js';
import { CHAIN_DER, craftSignature, forwardedRequest, LEAF_DER, signatureConfig } from './forwarded-request-fixture.js';
import type { ForwardedRequest } from './forwarded-request-fixture.js';

const sig = signatureConfig('ed25519', 'gw-1');
const NOW = 1_763_000_000_000;
const CREATED = NOW / 1000;
const opts: VerifyOptions = { keys: { 'gw-1': sig.publicKey }, maxAge: 30, now: NOW + 2000 };
const x5t = createHash('sha256').update(LEAF_DER).digest('base64url');

function fresh(extra: Partial<Parameters<typeof forwardedRequest>[0]> = {}): ForwardedRequest {
  return forwardedRequest({ sig, now: NOW, ...extra });
}

t.test('returns the forwarded identity (pem-urlencoded, chain header)', async (t) => {
  const id = verifyForwardedRequest(fresh({ chainHeader: 'X-Client-Cert-Chain' }), { ...opts, chainHeader: 'X-Client-Cert-Chain' });
  t.ok(id.certificate!.der.equals(LEAF_DER));
  t.equal(id.certificate!.x5tS256, x5t);
  t.match(id.certificate!.pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
  t.same(
    id.chain.map((c) => c.toString('hex')),
    CHAIN_DER.map((c) => c.toString('hex')),
  );
  t.equal(id.subjectDN, 'CN=BC');
  t.equal(id.verify, 'SUCCESS');
  t.equal(id.keyId, 'gw-1');
  t.equal(id.created, CREATED);
});

t.test('decodes all four header formats', async (t) => {
  const cases = [
    { format: 'pem-urlencoded', certHeader: 'X-Client-Cert', chainHeader: 'X-Client-Cert-Chain' },
    { format: 'der-base64', certHeader: 'X-SSL-Client-Cert', chainHeader: 'X-SSL-Client-Chain' },
    { format: 'rfc9440', certHeader: 'Client-Cert', chainHeader: 'Client-Cert-Chain' },
    { format: 'xfcc', certHeader: 'X-Forwarded-Client-Cert' },
  ] as const;
  for (const c of cases) {
    const id = verifyForwardedRequest(fresh(c), { ...opts, ...c });
    t.ok(id.certificate!.der.equals(LEAF_DER), c.format);
    t.equal(id.certificate!.x5tS256, x5t);
    t.equal(id.chain.length, 2, `${c.format} chain`);
    t.ok(id.chain[1]!.equals(CHAIN_DER[1]!));
  }
  // Defaults: the format's usual header name.
  t.ok(verifyForwardedRequest(fresh({ format: 'rfc9440', certHeader: 'Client-Cert' }), { ...opts, format: 'rfc9440' }).certificate);
  t.ok(verifyForwardedRequest(fresh({ format: 'xfcc', certHeader: 'X-Forwarded-Client-Cert' }), { ...opts, format: 'xfcc' }).certificate);
});

t.test('a request without a certificate is signed too and yields no certificate', async (t) => {
  const id = verifyForwardedRequest(fresh({ withCert: false }), opts);
  t.equal(id.certificate, undefined);
  t.same(id.chain, []);
  t.equal(id.verify, 'NONE');
});

t.test('fetch Headers, header arrays and absolute URLs are accepted', async (t) => {
  const req = fresh();
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  t.ok(verifyForwardedRequest({ method: req.method, url: req.url, headers }, opts).certificate);
  t.ok(verifyForwardedRequest({ ...req, url: `https://IDP.internal:8443${req.url}`, headers: { ...req.headers, host: undefined } }, opts));
  t.ok(verifyForwardedRequest({ ...req, headers: { ...req.headers, 'x-client-verify': ['SUCCESS'] } }, opts));
});

t.test('several keys at once (rotation)', async (t) => {
  const next = signatureConfig('ecdsa-p256-sha256', 'gw-2');
  const keys = { 'gw-1': sig.publicKey, 'gw-2': next.publicKey };
  t.equal(verifyForwardedRequest(fresh(), { ...opts, keys }).keyId, 'gw-1');
  t.equal(verifyForwardedRequest(forwardedRequest({ sig: next, now: NOW }), { ...opts, keys }).keyId, 'gw-2');
});

function refuses(t: Test, name: string, req: ForwardedRequest, code: string, o: VerifyOptions = opts): void {
  t.throws(() => verifyForwardedRequest(req, o), { name: 'CertgateVerifyError', code }, name);
}

t.test('tampering fails: method, path, query, authority, any covered header', async (t) => {
  refuses(t, 'method', { ...fresh(), method: 'GET' }, 'ERR_BAD_SIGNATURE');
  refuses(t, 'path', { ...fresh(), url: '/other?grant=client_credentials' }, 'ERR_BAD_SIGNATURE');
  refuses(t, 'query', { ...fresh(), url: '/token?grant=password' }, 'ERR_BAD_SIGNATURE');
  refuses(t, 'authority', { ...fresh(), headers: { ...fresh().headers, host: 'evil:8443' } }, 'ERR_BAD_SIGNATURE');
  for (const h of ['x-client-cert', 'x-client-verify', 'x-client-subject-dn']) {
    const req = fresh();
    req.headers[h] = String(req.headers[h]).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    refuses(t, h, req, 'ERR_BAD_SIGNATURE');
  }
  const appended = fresh();
  appended.headers['x-client-verify'] = ['SUCCESS', 'SUCCESS'];
  refuses(t, 'a second copy of a covered header', appended, 'ERR_BAD_SIGNATURE');
});

t.test('removing the certificate header fails', async (t) => {
  const req = fresh();
  delete req.headers['x-client-cert'];
  refuses(t, 'cert removed', req, 'ERR_BAD_SIGNATURE');
});

t.test('a certificate header that is present but not covered is an injection', async (t) => {
  const injected = fresh({ withCert: false });
  injected.headers['x-client-cert'] = fresh().headers['x-client-cert'];
  refuses(t, 'configured header', injected, 'ERR_HEADER_NOT_COVERED');
  for (const name of ['client-cert', 'x-forwarded-client-cert', 'x-client-cert-thumbprint', 'x_client_cert', 'x-client-cert-chain']) {
    const req = fresh();
    req.headers[name] = 'x';
    refuses(t, name, req, 'ERR_HEADER_NOT_COVERED', { ...opts, chainHeader: 'X-Client-Cert-Chain' });
  }
});

t.test('stale, future and expired signatures fail', async (t) => {
  refuses(t, 'replay after maxAge', fresh(), 'ERR_SIGNATURE_EXPIRED', { ...opts, now: NOW + 36_000 });
  t.ok(verifyForwardedRequest(fresh(), { ...opts, now: NOW + 34_000 }), 'within maxAge + default skew');
  refuses(t, 'zero skew', fresh(), 'ERR_SIGNATURE_EXPIRED', { ...opts, now: NOW + 31_000, clockSkew: 0 });
  refuses(t, 'created in the future', fresh(), 'ERR_SIGNATURE_EXPIRED', { ...opts, now: NOW - 10_000 });
  const short = forwardedRequest({ sig: { ...sig, expiresIn: 3 }, now: NOW });
  t.ok(verifyForwardedRequest(short, { ...opts, now: NOW + 2_000, clockSkew: 0 }));
  refuses(t, 'expires passed', short, 'ERR_SIGNATURE_EXPIRED', { ...opts, now: NOW + 4_000, clockSkew: 0 });
});

t.test('unknown keyid, wrong key, alg mismatch', async (t) => {
  refuses(t, 'unknown keyid', fresh(), 'ERR_UNKNOWN_KEYID', { ...opts, keys: { other: sig.publicKey } });
  refuses(t, 'prototype keyid', forwardedRequest({ sig: { ...sig, keyId: 'toString' }, now: NOW }), 'ERR_UNKNOWN_KEYID');
  refuses(t, 'wrong key', fresh(), 'ERR_BAD_SIGNATURE', { ...opts, keys: { 'gw-1': signatureConfig('ed25519').publicKey } });
  // An HMAC key under the same keyid must not turn the Ed25519 signature into a MAC check.
  const hmac = signatureConfig('hmac-sha256');
  refuses(t, 'alg downgrade', fresh(), 'ERR_BAD_SIGNATURE', { ...opts, keys: { 'gw-1': hmac.publicKey } });
});

t.test('missing or malformed signature fields', async (t) => {
  const none = fresh();
  delete none.headers['signature-input'];
  delete none.headers.signature;
  refuses(t, 'no signature', none, 'ERR_NO_SIGNATURE');
  const otherLabel = fresh();
  otherLabel.headers['signature-input'] = String(otherLabel.headers['signature-input']).replace(/^certgate=/, 'sig1=');
  refuses(t, 'other label only', otherLabel, 'ERR_NO_SIGNATURE');
  const garbage = fresh();
  garbage.headers['signature-input'] = 'certgate=(("nested"))';
  refuses(t, 'garbage', garbage, 'ERR_MALFORMED');
  const badCert = fresh({ withCert: false });
  const lines = [
    ['@method', 'POST'],
    ['@authority', 'idp.internal:8443'],
    ['@path', '/token'],
    ['@query', '?grant=client_credentials'],
    ['x-client-cert', 'not-a-cert'],
  ] as const;
  const crafted = { ...badCert, headers: { ...badCert.headers, 'x-client-cert': 'not-a-cert', 'x-client-verify': undefined } };
  Object.assign(
    crafted.headers,
    craftSignature(sig, lines, [
      ['created', CREATED],
      ['keyid', 'gw-1'],
    ]),
  );
  refuses(t, 'undecodable certificate', crafted, 'ERR_MALFORMED');
  Object.assign(crafted.headers, craftSignature(sig, lines, [['keyid', 'gw-1']]));
  refuses(t, 'no created', crafted, 'ERR_MALFORMED');
});

t.test('required components must be covered', async (t) => {
  const base = fresh({ withCert: false });
  const all = [
    ['@method', 'POST'],
    ['@authority', 'idp.internal:8443'],
    ['@path', '/token'],
    ['@query', '?grant=client_credentials'],
    ['x-client-verify', 'NONE'],
  ] as const;
  for (const skip of ['@method', '@authority', '@path', '@query']) {
    const req = { ...base, headers: { ...base.headers } };
    Object.assign(
      req.headers,
      craftSignature(
        sig,
        all.filter(([id]) => id !== skip),
        [
          ['created', CREATED],
          ['keyid', 'gw-1'],
        ],
      ),
    );
    t.throws(() => verifyForwardedRequest(req, opts), { code: 'ERR_COMPONENT_NOT_COVERED', component: skip }, skip);
  }
  t.throws(() => verifyForwardedRequest(base, { ...opts, requiredHeaders: ['Authorization'] }), {
    code: 'ERR_COMPONENT_NOT_COVERED',
    component: 'authorization',
  });
});

t.test('the thumbprint header is checked against the DER, never trusted', async (t) => {
  for (const [value, ok] of [
    [x5t, true],
    ['OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yuw', false],
  ] as const) {
    const req = fresh({ extraAdded: ['X-Client-Cert-Thumbprint', value] });
    if (ok) t.equal(verifyForwardedRequest(req, opts).certificate!.x5tS256, x5t);
    else refuses(t, 'signed but wrong thumbprint', req, 'ERR_MALFORMED');
  }
});
