// The one place where a GatewayError becomes an HTTP status and JSON body. The certificate rows
// answer `invalid_client`, as RFC 8705 section 2 has the authorization server answer.
import type { ServerResponse } from 'node:http';
import type { GatewayError, GatewayErrorCode } from '../errors.js';

interface ErrorShape {
  readonly status: number;
  readonly error: string;
}

const ERROR_TABLE: Readonly<Record<GatewayErrorCode, ErrorShape>> = {
  CLIENT_CERT_REQUIRED: { status: 401, error: 'invalid_client' },
  CLIENT_CERT_INVALID: { status: 401, error: 'invalid_client' },
  CLIENT_CERT_REVOKED: { status: 401, error: 'invalid_client' },
  REVOCATION_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable' },
  CLIENT_NOT_ALLOWED: { status: 403, error: 'invalid_client' },
  TOKEN_BINDING_MISMATCH: { status: 401, error: 'invalid_token' },
  NO_ROUTE: { status: 404, error: 'not_found' },
  BAD_REQUEST: { status: 400, error: 'invalid_request' },
  METHOD_NOT_ALLOWED: { status: 405, error: 'invalid_request' },
  REQUEST_TIMEOUT: { status: 408, error: 'invalid_request' },
  HEADERS_TOO_LARGE: { status: 431, error: 'invalid_request' },
  UPSTREAM_BUSY: { status: 503, error: 'temporarily_unavailable' },
  UPSTREAM_UNAVAILABLE: { status: 502, error: 'bad_gateway' },
  UPSTREAM_TIMEOUT: { status: 504, error: 'gateway_timeout' },
  INTERNAL_ERROR: { status: 500, error: 'server_error' },
};

export function statusFor(code: GatewayErrorCode): number {
  return ERROR_TABLE[code].status;
}

export function sendError(res: ServerResponse, err: GatewayError): number {
  const shape = ERROR_TABLE[err.code];
  if (res.headersSent) {
    res.destroy();
    return shape.status;
  }
  const body = JSON.stringify({ error: shape.error, error_description: err.description, code: err.code });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  if (err.code === 'TOKEN_BINDING_MISMATCH') headers['www-authenticate'] = 'Bearer error="invalid_token"';
  if (err.allow !== undefined) headers['allow'] = err.allow;
  res.writeHead(shape.status, headers);
  res.end(body);
  return shape.status;
}

/**
 * A whole HTTP/1.1 error response that closes the connection, for a socket Node's HTTP parser
 * gave up on (no ServerResponse exists): the same status and JSON body as sendError.
 */
export function rawErrorResponse(err: GatewayError, reasonPhrase: string): string {
  const shape = ERROR_TABLE[err.code];
  const body = JSON.stringify({ error: shape.error, error_description: err.description, code: err.code });
  return (
    `HTTP/1.1 ${shape.status} ${reasonPhrase}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
  );
}
