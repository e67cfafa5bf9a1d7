// How an upstream client failure is answered: every engine-neutral code to its gateway code
// (hence status), written out literally; any other error (a refused connection, a TLS failure)
// is 502 UPSTREAM_UNAVAILABLE. The original error stays as the cause.
import t from 'tap';
import { GatewayError } from '../../src/errors.js';
import { badResponse, upstreamFailure, UpstreamError, type UpstreamErrorCode } from '../../src/forward/upstream-errors.js';

const EXPECTED: Record<UpstreamErrorCode, [string, number]> = {
  ERR_UPSTREAM_CONNECT_TIMEOUT: ['UPSTREAM_TIMEOUT', 504],
  ERR_UPSTREAM_HEADERS_TIMEOUT: ['UPSTREAM_TIMEOUT', 504],
  ERR_UPSTREAM_BODY_TIMEOUT: ['UPSTREAM_TIMEOUT', 504],
  ERR_UPSTREAM_QUEUE_TIMEOUT: ['UPSTREAM_TIMEOUT', 504],
  ERR_UPSTREAM_QUEUE_FULL: ['UPSTREAM_BUSY', 503],
  ERR_UPSTREAM_CONNECTION_LOST: ['UPSTREAM_UNAVAILABLE', 502],
  ERR_UPSTREAM_CLIENT_CLOSED: ['UPSTREAM_UNAVAILABLE', 502],
  ERR_UPSTREAM_BAD_RESPONSE: ['UPSTREAM_UNAVAILABLE', 502],
  ERR_REQUEST_HEAD_INVALID: ['BAD_REQUEST', 400],
};

t.test('each upstream code maps to its gateway answer', async (t) => {
  for (const [code, [gatewayCode, status]] of Object.entries(EXPECTED) as [UpstreamErrorCode, [string, number]][]) {
    const cause = new UpstreamError(code, 'detail');
    const answer = upstreamFailure(cause);
    t.ok(answer instanceof GatewayError, code);
    t.equal(answer.code, gatewayCode, code);
    t.equal(answer.status, status, code);
    t.equal(answer.cause, cause, `${code}: cause kept`);
  }
});

t.test('descriptions: fixed for the upstream, the reason for a refused request head', async (t) => {
  t.equal(upstreamFailure(new UpstreamError('ERR_UPSTREAM_HEADERS_TIMEOUT', 'x')).description, 'the upstream did not answer in time');
  t.equal(upstreamFailure(new UpstreamError('ERR_UPSTREAM_QUEUE_FULL', 'x')).description, 'the upstream has too many requests waiting');
  t.equal(upstreamFailure(new UpstreamError('ERR_UPSTREAM_BAD_RESPONSE', 'x')).description, 'the upstream could not be reached');
  t.equal(upstreamFailure(new UpstreamError('ERR_REQUEST_HEAD_INVALID', 'invalid request target')).description, 'the request cannot be forwarded: invalid request target');
});

t.test('other errors are 502 UPSTREAM_UNAVAILABLE, whatever their code says', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  t.equal(upstreamFailure(refused).code, 'UPSTREAM_UNAVAILABLE');
  // A foreign error carrying an upstream-looking code is not trusted to be one.
  t.equal(upstreamFailure(Object.assign(new Error('x'), { code: 'ERR_UPSTREAM_QUEUE_FULL' })).code, 'UPSTREAM_UNAVAILABLE');
});

t.test('badResponse names the parser refusal', async (t) => {
  const err = badResponse('bare LF');
  t.equal(err.code, 'ERR_UPSTREAM_BAD_RESPONSE');
  t.equal(err.message, 'invalid upstream response: bare LF');
});
