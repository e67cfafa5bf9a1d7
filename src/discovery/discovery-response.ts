// The discovery rewrite on the response path: a ResponseSink between the h1 parser and the
// exchange that relays to the client (src/forward/h1/h1-exchange.ts). A 200 JSON answer is held
// (up to 1 MiB), decoded, rewritten and relayed with fixed framing; anything else is relayed as it
// came, and a document held and then found unusable is relayed byte for byte. Installed only for
// GETs of a discovery path on a route with `discovery`: every other request pays nothing.
import type { ResponseSink } from '../forward/h1/response-parser.js';
import type { RateLimitedLog } from '../observability/log-rate-limit.js';
import type { RouteConfig } from '../routing/config.js';
import type { DiscoveryConfig } from './config.js';
import { contentCoding, decodeBody, type Coding } from './body-decoding.js';
import { rewriteDiscoveryDocument } from './discovery-document.js';
import { isDiscoveryPath } from './discovery-paths.js';

/** Larger documents, on the wire or decoded, pass untouched. */
const MAX_DOCUMENT = 1024 * 1024;

/** Fields describing the upstream's bytes, wrong once the body is rewritten; Content-Length is set anew. */
const STALE_FIELDS = new Set(['content-length', 'content-encoding', 'etag', 'content-md5', 'digest', 'content-digest', 'repr-digest']);

/** Request fields that would have the upstream answer with bytes the gateway cannot rewrite whole (a coding it may not decode, a range). */
const WHOLE_BODY_FIELDS = new Set(['accept-encoding', 'range', 'if-range']);

const JSON_TYPE = /^[ \t]*application\/json[ \t]*(?:;|$)/i;
const CHARSET = /;[ \t]*charset[ \t]*=[ \t]*"?([^";, \t]*)/i;

/**
 * The wrapper of this request's response sink, or undefined when the request is not for a
 * discovery document of a route with `discovery`. Asks the upstream for the whole document
 * in identity coding (edits `headers`, the flat list sent upstream).
 */
export function discoveryRewrite(route: RouteConfig, method: string, path: string, headers: string[], log: RateLimitedLog): ((sink: ResponseSink) => ResponseSink) | undefined {
  const config = route.discovery;
  // HEAD has no body to rewrite; other methods do not fetch metadata.
  if (config === undefined || method !== 'GET' || !isDiscoveryPath(path)) return undefined;
  askForWholeIdentityBody(headers);
  return (sink) => new DiscoveryResponse(sink, config, route.name, log);
}

function askForWholeIdentityBody(headers: string[]): void {
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (WHOLE_BODY_FIELDS.has(headers[r]!.toLowerCase())) continue;
    headers[w] = headers[r]!;
    headers[w + 1] = headers[r + 1]!;
    w += 2;
  }
  headers.length = w;
  headers.push('accept-encoding', 'identity');
}

class DiscoveryResponse implements ResponseSink {
  /** the head is held back until the body has been read and rewritten (or found unusable) */
  private holding = false;
  private status = 0;
  private reason = '';
  private headers: string[] = [];
  private coding: Coding = 'identity';
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly next: ResponseSink,
    private readonly config: DiscoveryConfig,
    private readonly route: string,
    private readonly log: RateLimitedLog,
  ) {}

  onResponseHead(status: number, reason: string, headers: string[]): void {
    // Not 200 (304, 404, a redirect): nothing to rewrite and nothing wrong.
    const problem = status === 200 ? this.inspect(headers) : 'pass';
    if (problem !== undefined) {
      if (problem !== 'pass') this.warn(problem);
      this.next.onResponseHead(status, reason, headers);
      return;
    }
    this.holding = true;
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }

  onResponseBody(chunk: Buffer, last: boolean): void {
    if (!this.holding) {
      this.next.onResponseBody(chunk, last);
      return;
    }
    if (this.size + chunk.length > MAX_DOCUMENT) {
      this.warn('too-large');
      this.release(false);
      this.next.onResponseBody(chunk, last);
      return;
    }
    // `chunk` may be a view of the connection's shared read buffer (h1-connection.ts).
    this.chunks.push(Buffer.from(chunk));
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    if (this.holding) this.finish();
    this.next.onResponseEnd();
  }

  /** undefined: hold the body; otherwise why it is relayed as it came. */
  private inspect(headers: readonly string[]): string | undefined {
    let types = 0;
    let type = '';
    let length = -1;
    const encodings: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const lower = headers[i]!.toLowerCase();
      if (lower === 'content-type') {
        types++;
        type = headers[i + 1]!;
      } else if (lower === 'content-encoding') encodings.push(headers[i + 1]!);
      else if (lower === 'content-length') length = Number(headers[i + 1]);
    }
    if (types !== 1 || !JSON_TYPE.test(type)) return 'not-json';
    const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
    // RFC 8259 section 8.1: JSON between systems is UTF-8; anything else would be mangled.
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') return 'not-utf8';
    const coding = contentCoding(encodings);
    if (coding === undefined) return 'unsupported-encoding';
    if (length > MAX_DOCUMENT) return 'too-large';
    this.coding = coding;
    return undefined;
  }

  private finish(): void {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const rewritten = this.rewrite(body);
    if (typeof rewritten === 'string') {
      this.warn(rewritten);
      this.release(true);
      return;
    }
    this.holding = false;
    this.chunks = [];
    this.next.onResponseHead(this.status, this.reason, rewrittenHeaders(this.headers, rewritten.length));
    this.next.onResponseBody(rewritten, true);
  }

  /** The rewritten document, or why it is relayed as it came. */
  private rewrite(body: Buffer): Buffer | string {
    try {
      const decoded = decodeBody(body, this.coding, MAX_DOCUMENT);
      if (decoded === 'too-large') return 'decoded-too-large';
      if (decoded === 'corrupt') return 'corrupt-encoding';
      return rewriteDiscoveryDocument(decoded, this.config);
    } catch {
      // Runs in the upstream socket's read callback: a throw here would reach the process.
      return 'rewrite-failed';
    }
  }

  /** Relays the held head and body unchanged; `whole`: the body is complete. */
  private release(whole: boolean): void {
    this.holding = false;
    this.next.onResponseHead(this.status, this.reason, this.headers);
    const held = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    if (held.length > 0) this.next.onResponseBody(held, whole);
  }

  private warn(reason: string): void {
    this.log.warn('discovery_not_rewritten', reason, { route: this.route }, 'discovery document relayed without mtls_endpoint_aliases');
  }
}

function rewrittenHeaders(headers: readonly string[], length: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!STALE_FIELDS.has(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  out.push('content-length', String(length));
  return out;
}
