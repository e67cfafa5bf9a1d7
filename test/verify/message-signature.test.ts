// Every refusal of the RFC 9421 verifier (message-signature.ts) with its code, message and
// component written out literally, plus the edges of the time window and the derived components
// certgate does not send itself. Signatures are real (Ed25519) over crafted components.
import t from 'tap';
import { verifyMessageSignature, type SignatureCheckOptions, type VerifiedSignature } from '../../src/verify/message-signature.js';
import { requestView } from '../../src/verify/request-view.js';
import { CertgateVerifyError } from '../../src/verify/errors.js';
import type { ComponentLine, SignatureParams } from '../../src/wire/signature-base.js';
import { craftSignature, signatureConfig } from './forwarded-request-fixture.js';

const sig = signatureConfig('ed25519', 'gw-1');
const NOW_S = 1_763_000_000;
const base: SignatureCheckOptions = { label: 'certgate', keys: { 'gw-1': sig.publicKey }, maxAge: 30, clockSkew: 5, now: NOW_S * 1000, requiredComponents: [] };
const P = (extra: Array<[string, string | number | boolean]> = [], created = NOW_S): SignatureParams => [['created', created], ['keyid', 'gw-1'], ...extra];

type Outcome = VerifiedSignature | { code: string; message: string; component: string | undefined; cause: boolean };

function run(headers: Record<string, string | string[]>, opts: Partial<SignatureCheckOptions> = {}, url = '/t?x', host: string | null = 'idp.example'): Outcome {
  const view = requestView({ method: 'POST', url, headers: { ...(host ? { host } : {}), 'content-type': 'text/plain', ...headers } });
  try {
    return verifyMessageSignature(view, { ...base, ...opts });
  } catch (e) {
    if (!(e instanceof CertgateVerifyError)) throw e;
    return { code: e.code, message: e.message, component: e.component, cause: e.cause !== undefined };
  }
}
const signed = (lines: ComponentLine[], params: SignatureParams = P()) => craftSignature(sig, lines, params);
const refused = (code: string, message: string, component?: string, cause = false) => ({ code, message, component, cause });
const OK_LINES: ComponentLine[] = [
  ['@method', 'POST'],
  ['@path', '/t'],
];

t.test('refusals, literally', async (t) => {
  const good = signed(OK_LINES);
  const rows: ReadonlyArray<[string, Outcome, Outcome]> = [
    ['no Signature-Input', run({ signature: good.signature }), refused('ERR_NO_SIGNATURE', 'request has no signature-input field')],
    ['no Signature', run({ 'signature-input': good['signature-input'] }), refused('ERR_NO_SIGNATURE', 'request has no signature field')],
    [
      'another label only',
      run({ 'signature-input': good['signature-input'].replace('certgate=', 'other='), signature: good.signature }),
      refused('ERR_NO_SIGNATURE', 'signature-input has no certgate entry'),
    ],
    [
      'not a dictionary',
      run({ 'signature-input': 'certgate=("@method"', signature: good.signature }),
      refused('ERR_MALFORMED', 'signature-input is not a structured dictionary', 'signature-input', true),
    ],
    ['input is an item', run({ 'signature-input': 'certgate=?1', signature: good.signature }), refused('ERR_MALFORMED', 'Signature-Input certgate is not an inner list')],
    [
      'signature is not bytes',
      run({ 'signature-input': good['signature-input'], signature: 'certgate="abc"' }),
      refused('ERR_MALFORMED', 'Signature certgate is not a byte sequence'),
    ],
    [
      'a required component not covered',
      run(good, { requiredComponents: ['@method', '@authority'] }),
      refused('ERR_COMPONENT_NOT_COVERED', 'signature does not cover @authority', '@authority'),
    ],
    ['no keyid', run(signed(OK_LINES, [['created', NOW_S]])), refused('ERR_MALFORMED', 'signature has no keyid')],
    ['no created', run(signed(OK_LINES, [['keyid', 'gw-1']])), refused('ERR_MALFORMED', 'signature has no integer created')],
    [
      'created not an integer',
      run(
        signed(OK_LINES, [
          ['created', 'soon'],
          ['keyid', 'gw-1'],
        ]),
      ),
      refused('ERR_MALFORMED', 'signature has no integer created'),
    ],
    [
      'created a decimal',
      run(
        signed(OK_LINES, [
          ['created', 1.5],
          ['keyid', 'gw-1'],
        ]),
      ),
      refused('ERR_MALFORMED', 'signature has no integer created'),
    ],
    ['expires not an integer', run(signed(OK_LINES, P([['expires', 'never']]))), refused('ERR_MALFORMED', 'expires is not an integer')],
    ['alg not a string', run(signed(OK_LINES, P([['alg', true]]))), refused('ERR_MALFORMED', 'alg is not a string')],
    [
      'unknown keyid',
      run(
        signed(OK_LINES, [
          ['created', NOW_S],
          ['keyid', 'nope'],
        ]),
      ),
      refused('ERR_UNKNOWN_KEYID', 'no key for keyid nope', 'keyid'),
    ],
    ['alg names another algorithm', run(signed(OK_LINES, P([['alg', 'hmac-sha256']]))), refused('ERR_BAD_SIGNATURE', 'alg hmac-sha256 does not match the ed25519 key gw-1', 'alg')],
    [
      'tampered method',
      run(
        signed([
          ['@method', 'GET'],
          ['@path', '/t'],
        ]),
      ),
      refused('ERR_BAD_SIGNATURE', 'signature does not match the request'),
    ],
    [
      'component parameters',
      run({ 'signature-input': 'certgate=("@method";req);created=1;keyid="gw-1"', signature: good.signature }),
      refused('ERR_MALFORMED', 'component parameters on @method are not supported'),
    ],
    [
      'upper-case field name',
      run({ 'signature-input': 'certgate=("Content-Type");created=1;keyid="gw-1"', signature: good.signature }),
      refused('ERR_MALFORMED', 'component Content-Type is not lower case'),
    ],
    [
      'covered twice',
      run({ 'signature-input': 'certgate=("@method" "@method");created=1;keyid="gw-1"', signature: good.signature }),
      refused('ERR_MALFORMED', 'component @method is covered twice'),
    ],
    [
      'identifier not a string',
      run({ 'signature-input': 'certgate=(1);created=1;keyid="gw-1"', signature: good.signature }),
      refused('ERR_MALFORMED', 'a component identifier is not a string'),
    ],
    ['@authority without Host', run(signed([['@authority', 'idp.example']]), {}, '/t?x', null), refused('ERR_MALFORMED', 'request has no authority (Host) to check @authority')],
    ['unsupported derived component', run(signed([['@scheme', 'https']])), refused('ERR_MALFORMED', 'derived component @scheme is not supported')],
    ['a covered header is gone', run(signed([['x-gone', 'v']])), refused('ERR_BAD_SIGNATURE', 'covered header x-gone is missing', 'x-gone')],
    ['created in the future', run(signed(OK_LINES, P([], NOW_S + 6))), refused('ERR_SIGNATURE_EXPIRED', `created ${NOW_S + 6} is in the future`, 'created')],
    ['created too old', run(signed(OK_LINES, P([], NOW_S - 36))), refused('ERR_SIGNATURE_EXPIRED', `created ${NOW_S - 36} is older than 30s`, 'created')],
    ['expired', run(signed(OK_LINES, P([['expires', NOW_S - 6]]))), refused('ERR_SIGNATURE_EXPIRED', `signature expired at ${NOW_S - 6}`, 'expires')],
  ];
  for (const [name, got, want] of rows) t.same(got, want, name);
});

t.test('accepted: the window edges, expires reported only when signed, derived components', async (t) => {
  const covered = new Set(['@method', '@path']);
  t.same(run(signed(OK_LINES, P([], NOW_S + 5))), { keyId: 'gw-1', created: NOW_S + 5, covered }, 'created exactly at now + skew');
  t.same(run(signed(OK_LINES, P([], NOW_S - 35))), { keyId: 'gw-1', created: NOW_S - 35, covered }, 'created exactly maxAge + skew ago');
  t.same(run(signed(OK_LINES, P([['expires', NOW_S - 5]]))), { keyId: 'gw-1', created: NOW_S, expires: NOW_S - 5, covered }, 'expires exactly skew ago');
  t.notOk('expires' in (run(signed(OK_LINES)) as VerifiedSignature), 'no expires key when none was signed');
  t.same(run(signed(OK_LINES, P([['alg', 'ed25519']]))), { keyId: 'gw-1', created: NOW_S, covered }, 'alg naming the key algorithm');
  t.match(run(signed([['@request-target', '/t?x']])), { keyId: 'gw-1' }, '@request-target with a query');
  t.match(run(signed([['@request-target', '/t']]), {}, '/t'), { keyId: 'gw-1' }, '@request-target without a query');
  t.match(run(signed([['@query', '?']]), {}, '/t'), { keyId: 'gw-1' }, 'no query is the empty query "?"');
  t.match(run(signed([['content-type', 'text/plain']])), { keyId: 'gw-1' }, 'a covered header field');
  const good = signed(OK_LINES);
  t.match(
    run({ 'signature-input': ['other=("@method");created=1;keyid="x"', good['signature-input']], signature: good.signature }),
    { keyId: 'gw-1' },
    'Signature-Input field lines are joined with ", " before parsing',
  );
});
