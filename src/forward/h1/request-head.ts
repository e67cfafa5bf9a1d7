// Serialises the request head (RFC 9112 section 3 and 5) and frames the request body.
// The header list comes from the pipeline: names and values were parsed by Node's strict HTTP
// parser or set by the gateway itself. The checks below are still made, cheaply, because a CR or LF
// reaching this point would let one request smuggle a second one to the upstream.
import { UpstreamError } from '../upstream-errors.js';
import { equalsLowerAscii, fieldProblem, isToken } from './http-chars.js';
import { EMPTY_HEADER_BLOCK, type HeaderBlock } from './header-block.js';

export interface RequestHead {
  readonly text: string;
  /** the body is sent chunk-encoded (the client sent it chunked; the sanitiser stripped TE) */
  readonly chunked: boolean;
}

/**
 * `${method} ${path} HTTP/1.1` CRLF, one `name: value` CRLF per field, CRLF. A body read whole
 * (`bufferedLength`) is framed with its Content-Length; otherwise `transfer-encoding: chunked` is
 * added when there is a body without Content-Length. Never sends `expect`: Node's server has
 * already answered 100-continue to the client.
 */
export function serializeRequestHead(
  method: string,
  path: string,
  headers: readonly string[],
  hasBody: boolean,
  bufferedLength?: number,
  block: HeaderBlock = EMPTY_HEADER_BLOCK,
): RequestHead {
  if (!isToken(method)) throw new UpstreamError('ERR_REQUEST_HEAD_INVALID', 'invalid request method');
  if (path.length === 0 || hasForbiddenPathChar(path)) throw new UpstreamError('ERR_REQUEST_HEAD_INVALID', 'invalid request target');
  if (block.problem !== undefined) throw new UpstreamError('ERR_REQUEST_HEAD_INVALID', block.problem);
  let text = method + ' ' + path + ' HTTP/1.1\r\n';
  let hasLength = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    const problem = fieldProblem(name, value);
    if (problem !== undefined) throw new UpstreamError('ERR_REQUEST_HEAD_INVALID', problem);
    if (name.length === 6 && equalsLowerAscii(name, 'expect')) continue;
    if (name.length === 14 && equalsLowerAscii(name, 'content-length')) hasLength = true;
    text += name + ': ' + value + '\r\n';
  }
  // The block holds gateway-owned fields only (never Content-Length or Expect).
  text += block.text;
  if (bufferedLength !== undefined && !hasLength) {
    text += `content-length: ${bufferedLength}\r\n`;
    return { text: text + '\r\n', chunked: false };
  }
  const chunked = hasBody && !hasLength;
  if (chunked) text += 'transfer-encoding: chunked\r\n';
  return { text: text + '\r\n', chunked };
}

function hasForbiddenPathChar(path: string): boolean {
  return path.indexOf(' ') !== -1 || path.indexOf('\r') !== -1 || path.indexOf('\n') !== -1 || path.indexOf('\0') !== -1;
}

/** The size line that precedes a chunk of `length` bytes (RFC 9112 section 7.1). */
export function chunkSizeLine(length: number): string {
  return length.toString(16) + '\r\n';
}

export const CHUNK_END = '\r\n';
export const LAST_CHUNK = '0\r\n\r\n';
