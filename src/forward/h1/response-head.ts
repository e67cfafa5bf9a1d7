// The parts of a response head that decide how it is read: the status line (RFC 9112 §4) and the
// framing fields Content-Length, Transfer-Encoding and Connection (RFC 9112 §6, §9.6). Kept apart
// from the byte-level state machine in response-parser.ts.
import { badResponse, type UpstreamError } from '../upstream-errors.js';
import { FIELD_VALUE } from './http-chars.js';

/** Status line fields, filled in place (one object per parser, not per response). */
export interface StatusLine {
  status: number;
  minor: number;
  reason: string;
}

/** HTTP/1.x SP 3DIGIT [SP reason], bytes [s, e) of b without the CRLF. */
export function parseStatusLine(b: Buffer, s: number, e: number, out: StatusLine): UpstreamError | undefined {
  if (
    e - s < 12 ||
    b[s] !== 0x48 ||
    b[s + 1] !== 0x54 ||
    b[s + 2] !== 0x54 ||
    b[s + 3] !== 0x50 ||
    b[s + 4] !== 0x2f ||
    b[s + 5] !== 0x31 ||
    b[s + 6] !== 0x2e ||
    (b[s + 7] !== 0x31 && b[s + 7] !== 0x30) ||
    b[s + 8] !== 0x20
  ) {
    return badResponse('invalid status line');
  }
  const d0 = b[s + 9]! - 0x30;
  const d1 = b[s + 10]! - 0x30;
  const d2 = b[s + 11]! - 0x30;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return badResponse('invalid status code');
  let reason = '';
  if (e > s + 12) {
    if (b[s + 12] !== 0x20) return badResponse('invalid status line');
    for (let i = s + 13; i < e; i++) if (FIELD_VALUE[b[i]!] === 0) return badResponse('invalid character in reason phrase');
    reason = b.toString('latin1', s + 13, e);
  }
  out.minor = b[s + 7]! - 0x30;
  out.status = d0 * 100 + d1 * 10 + d2;
  out.reason = reason;
  return undefined;
}

export const NO_BODY = 0;
export const BY_LENGTH = 1;
export const CHUNKED = 2;
export const UNTIL_CLOSE = 3;

/** The framing fields of one head, and what they mean together. */
export class FramingFields {
  contentLength = -1;
  transferEncoding: string | undefined;
  connClose = false;
  connKeepAlive = false;

  reset(): void {
    this.contentLength = -1;
    this.transferEncoding = undefined;
    this.connClose = false;
    this.connKeepAlive = false;
  }

  /** `lower` is a lower-cased field name of length 10, 14 or 17. */
  add(lower: string, value: string): UpstreamError | undefined {
    if (lower === 'content-length') {
      // Two Content-Length lines, even equal ones, are refused: llhttp refuses them too, and the
      // gateway must never read a response differently from a standard parser.
      if (this.contentLength !== -1) return badResponse('more than one Content-Length');
      if (value.length === 0 || value.length > 15) return badResponse('invalid Content-Length');
      let n = 0;
      for (let i = 0; i < value.length; i++) {
        const d = value.charCodeAt(i) - 0x30;
        if (d < 0 || d > 9) return badResponse('invalid Content-Length');
        n = n * 10 + d;
      }
      this.contentLength = n;
    } else if (lower === 'transfer-encoding') {
      this.transferEncoding = this.transferEncoding === undefined ? value : this.transferEncoding + ',' + value;
    } else if (lower === 'connection') {
      for (const token of value.split(',')) {
        const t = token.trim().toLowerCase();
        if (t === 'close') this.connClose = true;
        else if (t === 'keep-alive') this.connKeepAlive = true;
      }
    }
    return undefined;
  }

  /** NO_BODY, BY_LENGTH, CHUNKED or UNTIL_CLOSE for a final (>= 200) response; or an error. */
  framing(status: number, isHeadRequest: boolean): number | UpstreamError {
    const te = this.transferEncoding;
    if (te !== undefined) {
      // Smuggling defence (RFC 9112 §6.1): TE with Content-Length is refused, and so is any coding
      // but a single "chunked" — the gateway does not decode others and must not guess the length.
      if (this.contentLength !== -1) return badResponse('both Content-Length and Transfer-Encoding');
      if (te.trim().toLowerCase() !== 'chunked') return badResponse(`unsupported Transfer-Encoding ${JSON.stringify(te)}`);
    }
    // RFC 9112 §6.3: responses to HEAD, and 204 and 304, end with the head whatever they announce.
    if (isHeadRequest || status === 204 || status === 304) return NO_BODY;
    if (te !== undefined) return CHUNKED;
    if (this.contentLength === 0) return NO_BODY;
    return this.contentLength > 0 ? BY_LENGTH : UNTIL_CLOSE;
  }

  /** Whether the connection may carry another request (RFC 9112 §9.3). */
  persistent(minor: number): boolean {
    return minor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }
}
