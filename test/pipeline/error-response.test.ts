// What a client is answered for each gateway error code: the status, the body's `error` and
// `code`, written out literally here (clients and tests rely on them), plus the raw form for a
// socket Node's parser gave up on.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CertgateError, ConfigError, GatewayError, type GatewayErrorCode } from '../../src/errors.js';
import { rawErrorResponse, sendError } from '../../src/pipeline/error-response.js';

const EXPECTED: Record<GatewayErrorCode, [number, string]> = {
  CLIENT_CERT_REQUIRED: [401, 'invalid_client'],
  CLIENT_CERT_INVALID: [401, 'invalid_client'],
  CLIENT_CERT_REVOKED: [401, 'invalid_client'],
  REVOCATION_UNAVAILABLE: [503, 'temporarily_unavailable'],
  CLIENT_NOT_ALLOWED: [403, 'invalid_client'],
  TOKEN_REQUIRED: [401, 'invalid_request'],
  TOKEN_INVALID: [401, 'invalid_token'],
  TOKEN_BINDING_MISMATCH: [401, 'invalid_token'],
  TOKEN_VERIFICATION_UNAVAILABLE: [503, 'temporarily_unavailable'],
  NO_ROUTE: [404, 'not_found'],
  MISDIRECTED_REQUEST: [421, 'misdirected_request'],
  BAD_REQUEST: [400, 'invalid_request'],
  METHOD_NOT_ALLOWED: [405, 'invalid_request'],
  REQUEST_TIMEOUT: [408, 'invalid_request'],
  HEADERS_TOO_LARGE: [431, 'invalid_request'],
  BODY_TOO_LARGE: [413, 'invalid_request'],
  UPSTREAM_BUSY: [503, 'temporarily_unavailable'],
  UPSTREAM_UNAVAILABLE: [502, 'bad_gateway'],
  UPSTREAM_TIMEOUT: [504, 'gateway_timeout'],
  INTERNAL_ERROR: [500, 'server_error'],
};

t.test('every code answers its status and body over HTTP', async (t) => {
  let next: GatewayError = new GatewayError('INTERNAL_ERROR', 'x');
  const server = http.createServer((_req, res) => {
    sendError(res, next);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  for (const [code, [status, error]] of Object.entries(EXPECTED) as [GatewayErrorCode, [number, string]][]) {
    const options = code === 'METHOD_NOT_ALLOWED' ? { allow: 'GET, HEAD' } : code === 'TOKEN_BINDING_MISMATCH' ? { challenge: 'Bearer error="invalid_token"' } : undefined;
    next = new GatewayError(code, `because ${code}`, options);
    t.equal(next.status, status, `${code}: status on the error`);
    const r = await fetch(`http://127.0.0.1:${port}/`);
    t.equal(r.status, status, `${code}: HTTP status`);
    t.equal(r.headers.get('cache-control'), 'no-store');
    t.same(await r.json(), { error, error_description: `because ${code}`, code }, `${code}: body`);
    // The challenge is written exactly when the error carries one.
    t.equal(r.headers.get('www-authenticate'), code === 'TOKEN_BINDING_MISMATCH' ? 'Bearer error="invalid_token"' : null, `${code}: WWW-Authenticate`);
    if (code === 'METHOD_NOT_ALLOWED') t.equal(r.headers.get('allow'), 'GET, HEAD');
  }
});

t.test('the raw answer carries the same status line and body, and closes', async (t) => {
  const raw = rawErrorResponse(new GatewayError('HEADERS_TOO_LARGE', 'request headers too large'));
  const [head, body] = raw.split('\r\n\r\n');
  t.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  t.match(head, /\r\nconnection: close(\r\n|$)/);
  t.match(head, new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(body!)}(\\r\\n|$)`));
  t.same(JSON.parse(body!), { error: 'invalid_request', error_description: 'request headers too large', code: 'HEADERS_TOO_LARGE' });
});

t.test('gateway and config errors share the base class and keep their codes', async (t) => {
  const gateway = new GatewayError('NO_ROUTE', 'no route for GET /');
  t.ok(gateway instanceof CertgateError);
  t.equal(gateway.name, 'GatewayError');
  t.equal(gateway.message, 'NO_ROUTE: no route for GET /');
  const config = new ConfigError([{ file: 'certgate.yaml', key: 'routes', message: 'missing' }]);
  t.ok(config instanceof CertgateError);
  t.equal(config.code, 'CONFIG_INVALID');
  t.equal(config.message, 'certgate.yaml: routes: missing');
});
