// Which methods are answered 405 before routing reaches the upstream (method-policy.ts), written
// out literally: CONNECT always (certgate never opens a tunnel), TRACE unless the route names it
// (cross-site tracing), every other method never.
import t from 'tap';
import { isMethodRefused, methodNotAllowed } from '../../src/routing/method-policy.js';

const NO_METHODS = undefined;
const rows: ReadonlyArray<[method: string, routeMethods: ReadonlySet<string> | undefined, refused: boolean]> = [
  ['CONNECT', NO_METHODS, true],
  ['CONNECT', new Set(['CONNECT']), true],
  ['CONNECT', new Set(['GET']), true],
  ['TRACE', NO_METHODS, true],
  ['TRACE', new Set(['GET', 'POST']), true],
  ['TRACE', new Set(['TRACE']), false],
  ['TRACE', new Set(['GET', 'TRACE']), false],
  ['trace', NO_METHODS, false], // methods are case-sensitive (RFC 9110 section 9.1): not TRACE
  ['GET', NO_METHODS, false],
  ['GET', new Set(['POST']), false], // the route table, not this policy, refuses unlisted methods
  ['POST', NO_METHODS, false],
  ['OPTIONS', NO_METHODS, false],
  ['DELETE', new Set(['TRACE']), false],
];

for (const [method, routeMethods, refused] of rows) {
  t.equal(
    isMethodRefused(method, routeMethods),
    refused,
    `${method} on a route with ${routeMethods ? `[${[...routeMethods].join(', ')}]` : 'no methods'}: ${refused ? 'refused' : 'passes'}`,
  );
}

t.test('the 405: code, message and Allow header', async (t) => {
  const err = methodNotAllowed('TRACE');
  t.equal(err.code, 'METHOD_NOT_ALLOWED');
  t.equal(err.description, 'TRACE is not allowed on this route');
  t.equal(err.allow, 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
});
