// Incremental, strict reader of one HTTP/1.1 response (RFC 9112) over socket Buffers. Anything
// ambiguous is an error, not a guess: a proxy that frames a response differently from the next hop
// is how response splitting and cache poisoning happen. Heads are scanned with indexOf and byte
// tables over the Buffer; only names, values and body slices are materialised.
import { badResponse, UpstreamError } from '../upstream-errors.js';
import { FIELD_VALUE, HEX, TOKEN } from './http-chars.js';
import { ChunkExtension } from './chunk-extension.js';
import { BY_LENGTH, CHUNKED, FramingFields, NO_BODY, parseStatusLine, UNTIL_CLOSE, type StatusLine } from './response-head.js';

export interface ResponseSink {
  /** The final (non-1xx) head: status, reason and flat [name, value, ...] as received. */
  onResponseHead(status: number, reason: string, headers: string[]): void;
  /** `last`: this chunk completes a Content-Length body (onResponseEnd follows at once). */
  onResponseBody(chunk: Buffer, last: boolean): void;
  onResponseEnd(): void;
}

const MAX_HEAD = 64 * 1024;
const MAX_CHUNK_LINE = 4 * 1024;
const MAX_INFORMATIONAL = 32; // a server looping on 1xx must not hold the exchange forever
const CR = 13;
const LF = 10;

const HEAD = 0;
const BODY_LENGTH = 1;
const BODY_UNTIL_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_DATA_CR = 5;
const CHUNK_DATA_LF = 6;
const TRAILERS = 7;
const DONE = 8;

export class ResponseParser {
  private state = HEAD;
  private sink: ResponseSink | undefined;
  private isHeadRequest = false;
  /** bytes of an unfinished line carried over from the previous Buffer */
  private partial: Buffer | undefined;
  // the current line, set by readLine: bytes [ls, le) of lineBuf, CRLF excluded
  private lineBuf: Buffer = Buffer.alloc(0);
  private ls = 0;
  private le = 0;
  private sectionBytes = 0;
  private informational = 0;
  private remaining = 0;
  // per head
  private readonly line: StatusLine = { status: 0, minor: 1, reason: '' };
  private readonly fields = new FramingFields();
  private headers: string[] = [];
  private statusSeen = false;
  /** any byte of this response arrived (a reused socket that fails before this may be retried) */
  received = false;
  /** the connection may carry another request once this response is done */
  keepAlive = false;

  reset(sink: ResponseSink, isHeadRequest: boolean): void {
    this.state = HEAD;
    this.sink = sink;
    this.isHeadRequest = isHeadRequest;
    this.partial = undefined;
    this.sectionBytes = 0;
    this.informational = 0;
    this.received = false;
    this.keepAlive = false;
    this.resetHead();
  }

  /** Stops delivering to the sink (the exchange was abandoned). */
  detach(): void {
    this.sink = undefined;
    this.state = DONE;
  }

  get complete(): boolean {
    return this.state === DONE;
  }

  /** Feeds socket bytes. Returns an error for a malformed response or bytes after its end. */
  execute(buf: Buffer): UpstreamError | undefined {
    this.received = true;
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      const sink = this.sink;
      switch (this.state) {
        case HEAD: {
          const next = this.readLine(buf, pos, MAX_HEAD);
          if (next === -2) return badResponse('response head larger than 64 KiB');
          if (next === -3) return badResponse('line not terminated by CRLF');
          if (next === -1) return undefined;
          pos = next;
          const err = this.statusSeen ? this.headerLine() : this.statusLine();
          if (err) return err;
          break;
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          const chunk = buf.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = DONE;
          sink!.onResponseBody(chunk, this.remaining === 0);
          if (this.state === DONE && this.sink !== undefined) this.finish();
          break;
        }
        case BODY_UNTIL_CLOSE:
          sink!.onResponseBody(pos === 0 ? buf : buf.subarray(pos), false);
          return undefined;
        case CHUNK_SIZE: {
          const next = this.readLine(buf, pos, MAX_CHUNK_LINE);
          if (next === -2) return badResponse('chunk-size line longer than 4 KiB');
          if (next === -3) return badResponse('chunk-size line not terminated by CRLF');
          if (next === -1) return undefined;
          pos = next;
          const err = this.chunkSizeLine();
          if (err) return err;
          break;
        }
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, len - pos);
          this.remaining -= n;
          const chunk = buf.subarray(pos, pos + n);
          pos += n;
          if (this.remaining === 0) this.state = CHUNK_DATA_CR;
          sink!.onResponseBody(chunk, false);
          break;
        }
        case CHUNK_DATA_CR:
          if (buf[pos++] !== CR) return badResponse('chunk data not followed by CRLF');
          this.state = CHUNK_DATA_LF;
          break;
        case CHUNK_DATA_LF:
          if (buf[pos++] !== LF) return badResponse('chunk data not followed by CRLF');
          this.state = CHUNK_SIZE;
          break;
        case TRAILERS: {
          const next = this.readLine(buf, pos, MAX_HEAD);
          if (next === -2) return badResponse('trailer section larger than 64 KiB');
          if (next === -3) return badResponse('trailer line not terminated by CRLF');
          if (next === -1) return undefined;
          pos = next;
          if (this.ls === this.le) {
            this.state = DONE;
            this.finish();
            break;
          }
          // Trailers are parsed (so a malformed one fails like llhttp) and dropped: the gateway
          // does not forward trailer fields.
          const err = this.fieldLine(false);
          if (err) return err;
          break;
        }
        default:
          // A server that answers more than was asked could be desynchronised (RFC 9112 §9.3.2):
          // never reuse this connection.
          this.keepAlive = false;
          return badResponse('bytes after the end of the response');
      }
    }
    return undefined;
  }

  /** The upstream closed its side. Completes a read-until-close body; otherwise an error. */
  endOfStream(): UpstreamError | undefined {
    if (this.state === BODY_UNTIL_CLOSE) {
      this.state = DONE;
      this.finish();
      return undefined;
    }
    if (this.state === DONE) return undefined;
    return new UpstreamError('ERR_UPSTREAM_CONNECTION_LOST', 'upstream closed the connection before the response was complete');
  }

  private finish(): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.onResponseEnd();
  }

  /**
   * Sets the current line. Returns the position after its LF, -1 when the line continues in the
   * next Buffer, -2 when the section limit is exceeded, -3 when LF is not preceded by CR.
   */
  private readLine(buf: Buffer, pos: number, limit: number): number {
    const nl = buf.indexOf(LF, pos);
    if (nl === -1) {
      const rest = buf.subarray(pos);
      this.partial = this.partial === undefined ? Buffer.from(rest) : Buffer.concat([this.partial, rest]);
      this.sectionBytes += rest.length;
      return this.sectionBytes > limit ? -2 : -1;
    }
    this.sectionBytes += nl + 1 - pos;
    if (this.sectionBytes > limit) return -2;
    if (this.partial === undefined) {
      this.lineBuf = buf;
      this.ls = pos;
      this.le = nl;
    } else {
      this.lineBuf = Buffer.concat([this.partial, buf.subarray(pos, nl)]);
      this.partial = undefined;
      this.ls = 0;
      this.le = this.lineBuf.length;
    }
    if (this.le === this.ls || this.lineBuf[this.le - 1] !== CR) return -3;
    this.le--;
    return nl + 1;
  }

  private resetHead(): void {
    this.statusSeen = false;
    this.headers = [];
    this.fields.reset();
  }

  private statusLine(): UpstreamError | undefined {
    const err = parseStatusLine(this.lineBuf, this.ls, this.le, this.line);
    this.statusSeen = err === undefined;
    return err;
  }

  private headerLine(): UpstreamError | undefined {
    if (this.ls === this.le) return this.endOfHead();
    return this.fieldLine(true);
  }

  /** field-name ":" OWS field-value OWS (RFC 9112 section 5). */
  private fieldLine(keep: boolean): UpstreamError | undefined {
    const b = this.lineBuf;
    const s = this.ls;
    const e = this.le;
    // obs-fold (RFC 9112 section 5.2): a proxy must reject or unfold; rejecting is the safe choice.
    if (b[s] === 0x20 || b[s] === 0x09) return badResponse('obsolete line folding');
    let colon = s;
    while (colon < e && TOKEN[b[colon]!] === 1) colon++;
    if (colon === s || colon === e || b[colon] !== 0x3a) return badResponse('invalid header name');
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && (b[vs] === 0x20 || b[vs] === 0x09)) vs++;
    while (ve > vs && (b[ve - 1] === 0x20 || b[ve - 1] === 0x09)) ve--;
    for (let i = vs; i < ve; i++) if (FIELD_VALUE[b[i]!] === 0) return badResponse('invalid character in header value');
    if (!keep) return undefined;
    const name = b.toString('latin1', s, colon);
    const value = b.toString('latin1', vs, ve);
    this.headers.push(name, value);
    const n = colon - s;
    if (n === 14 || n === 17 || n === 10) return this.fields.add(name.toLowerCase(), value);
    return undefined;
  }

  private endOfHead(): UpstreamError | undefined {
    const status = this.line.status;
    if (status < 200) {
      // 100 Continue and 103 Early Hints precede the real response; 101 would switch protocols,
      // which this client never asked for.
      if (status === 101) return badResponse('unexpected 101 Switching Protocols');
      if (++this.informational > MAX_INFORMATIONAL) return badResponse('too many 1xx responses');
      this.resetHead();
      this.sectionBytes = 0;
      return undefined;
    }
    const framing = this.fields.framing(status, this.isHeadRequest);
    if (typeof framing !== 'number') return framing;
    const sink = this.sink!;
    this.sectionBytes = 0;
    // Read-until-close responses end the connection with the body.
    this.keepAlive = framing !== UNTIL_CLOSE && this.fields.persistent(this.line.minor);
    if (framing === NO_BODY) {
      this.state = DONE;
      sink.onResponseHead(status, this.line.reason, this.headers);
      if (this.sink !== undefined) this.finish();
      return undefined;
    }
    if (framing === CHUNKED) {
      this.state = CHUNK_SIZE;
    } else if (framing === BY_LENGTH) {
      this.remaining = this.fields.contentLength;
      this.state = BODY_LENGTH;
    } else {
      this.state = BODY_UNTIL_CLOSE;
    }
    sink.onResponseHead(status, this.line.reason, this.headers);
    return undefined;
  }

  /** chunk-size [ chunk-ext ] CRLF, 1 to 16 hex digits (RFC 9112 section 7.1). */
  private chunkSizeLine(): UpstreamError | undefined {
    const b = this.lineBuf;
    const e = this.le;
    let i = this.ls;
    let size = 0;
    while (i < e && HEX[b[i]!]! >= 0) {
      size = size * 16 + HEX[b[i]!]!;
      i++;
    }
    const digits = i - this.ls;
    if (digits === 0 || digits > 16 || size > Number.MAX_SAFE_INTEGER) return badResponse('invalid chunk size');
    if (i < e && !ChunkExtension.valid(b, i, e)) return badResponse('invalid chunk extension');
    this.sectionBytes = 0;
    if (size === 0) {
      this.state = TRAILERS;
    } else {
      this.remaining = size;
      this.state = CHUNK_DATA;
    }
    return undefined;
  }
}
