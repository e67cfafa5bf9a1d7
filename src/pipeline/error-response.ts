// Writes a GatewayError out as an HTTP answer: the status and body `error` come from its row in
// GATEWAY_ERRORS (src/errors.ts), the one table of what each code answers. With a request ID, the
// answer carries it in the listener's request-ID header and in the body's `requestId`.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';

export function sendError(res: ServerResponse, err: GatewayError, idHeader?: string, requestId?: string): number {
  if (res.headersSent) {
    res.destroy();
    return err.status;
  }
  const body = errorBody(err, requestId);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  };
  if (err.challenge !== undefined) headers['www-authenticate'] = err.challenge;
  if (err.allow !== undefined) headers['allow'] = err.allow;
  if (idHeader !== undefined && requestId !== undefined) headers[idHeader] = requestId;
  res.writeHead(err.status, headers);
  res.end(body);
  return err.status;
}

/**
 * A whole HTTP/1.1 error response that closes the connection, for a socket Node's HTTP parser
 * gave up on (no ServerResponse exists): the same status and JSON body as sendError.
 */
export function rawErrorResponse(err: GatewayError): string {
  const body = errorBody(err);
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`
  );
}

function errorBody(err: GatewayError, requestId?: string): string {
  return JSON.stringify({ error: err.oauthError, error_description: err.description, code: err.code, ...(requestId === undefined ? {} : { requestId }) });
}
