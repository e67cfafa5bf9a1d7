// certgate/verify's edges that the forwarding tests do not reach (mutation survivors, see
// docs/mutation-testing.md): option validation, header names in any case, an empty query, the
// RFC 9421 field value of several or padded field lines, and the error's cause. Literal values.
import t from 'tap';
import { isCertgateVerifyError, verifyForwardedRequest } from '../../src/verify/index.js';
import type { VerifyOptions } from '../../src/verify/index.js';
import { CertgateVerifyError } from '../../src/verify/errors.js';
import { fieldValue } from '../../src/wire/signature-base.js';
import { forwardedRequest, signatureConfig } from './forwarded-request-fixture.js';

const sig = signatureConfig('ed25519', 'gw-1');
const NOW = 1_763_000_000_000;
const opts: VerifyOptions = { keys: { 'gw-1': sig.publicKey }, maxAge: 30, now: NOW + 2000 };

t.test('options: keys and a maxAge in seconds are required (TypeError, not a refusal)', async (t) => {
  const req = forwardedRequest({ sig, now: NOW });
  const bad: unknown[] = [undefined, { maxAge: 30 }, { keys: 'gw-1', maxAge: 30 }, { keys: opts.keys }, { keys: opts.keys, maxAge: -1 }, { keys: opts.keys, maxAge: Number.NaN }];
  for (const o of bad) {
    t.throws(
      () => verifyForwardedRequest(req, o as VerifyOptions),
      new TypeError('verifyForwardedRequest needs keys and a maxAge in seconds'),
      o === undefined ? 'undefined' : JSON.stringify(o),
    );
  }
  // maxAge 0 is a valid (strict) setting: the 2 s old signature is then a refusal, not a TypeError
  const err = (() => {
    try {
      verifyForwardedRequest(req, { ...opts, maxAge: 0, clockSkew: 0 });
      return undefined;
    } catch (e) {
      return e;
    }
  })();
  t.ok(err instanceof CertgateVerifyError, `maxAge 0 is accepted as an option (${String(err)})`);
});

t.test('certHeader and chainHeader are matched whatever their case in the options', async (t) => {
  const req = forwardedRequest({ sig, now: NOW, certHeader: 'X-Client-Cert', chainHeader: 'X-Client-Cert-Chain' });
  const id = verifyForwardedRequest(req, { ...opts, certHeader: 'X-CLIENT-CERT', chainHeader: 'x-Client-CERT-chain' });
  t.equal(id.subjectDN, 'CN=BC');
  t.equal(id.chain.length, 2);
});

t.test('a bare ? is no query: @query is then not required', async (t) => {
  const id = verifyForwardedRequest(forwardedRequest({ sig, now: NOW, url: '/token?' }), opts);
  t.equal(id.verify, 'SUCCESS');
  const plain = verifyForwardedRequest(forwardedRequest({ sig, now: NOW, url: '/token' }), opts);
  t.equal(plain.verify, 'SUCCESS');
});

t.test('fieldValue (RFC 9421 section 2.1): lines trimmed of SP/HTAB and joined with ", "', async (t) => {
  const rows: ReadonlyArray<[string[], string]> = [
    [['a'], 'a'],
    [['a', 'b'], 'a, b'],
    [['  a'], 'a'],
    [['a \t '], 'a'],
    [[' \t a  b \t'], 'a  b'],
    [['\t x', 'y  ', ' z '], 'x, y, z'],
    [[''], ''],
    [['a\n'], 'a\n'], // only SP and HTAB are OWS
  ];
  for (const [lines, want] of rows) t.equal(fieldValue(lines), want, JSON.stringify(lines));
});

t.test('CertgateVerifyError keeps a cause only when given one', async (t) => {
  const cause = new Error('inner');
  const withCause = new CertgateVerifyError('ERR_MALFORMED', 'bad', { cause, component: 'signature' });
  t.equal(withCause.cause, cause);
  t.equal(withCause.component, 'signature');
  const without = new CertgateVerifyError('ERR_MALFORMED', 'bad');
  t.equal('cause' in without, false, 'no cause property at all');
});

t.test('isCertgateVerifyError tells refusals from other errors', async (t) => {
  t.equal(isCertgateVerifyError(new CertgateVerifyError('ERR_MALFORMED', 'bad')), true);
  t.equal(isCertgateVerifyError(new TypeError('bad')), false);
  t.equal(isCertgateVerifyError(undefined), false);
});

t.test('a signed but undecodable certificate header is named in lower case, whatever the option spelling', async (t) => {
  const refusal = (o: Partial<VerifyOptions>, extra: string[]) => {
    const req = forwardedRequest({ sig, now: NOW, withCert: false, extraAdded: extra });
    try {
      verifyForwardedRequest(req, { ...opts, ...o });
      return undefined;
    } catch (e) {
      return isCertgateVerifyError(e) ? { code: e.code, message: e.message, component: e.component } : String(e);
    }
  };
  t.same(refusal({ certHeader: 'X-Client-CERT' }, ['X-Client-Cert', 'not%a%pem']), {
    code: 'ERR_MALFORMED',
    message: 'x-client-cert cannot be decoded',
    component: 'x-client-cert',
  });
  t.same(refusal({ chainHeader: 'X-Client-CHAIN' }, ['X-Client-Chain', 'not%a%pem']), {
    code: 'ERR_MALFORMED',
    message: 'x-client-chain cannot be decoded',
    component: 'x-client-chain',
  });
});
