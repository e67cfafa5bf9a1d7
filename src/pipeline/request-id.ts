// Each request's ID: generated, or the client's when the listener trusts it and it is well-formed.
// It is forwarded upstream, returned to the client, put in error bodies and the access log, and
// covered by the signature (upstream-headers.ts, error-response.ts, h1-exchange.ts).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestIdConfig } from '../config/types.js';

/** Longest client-sent ID taken as is; a longer one is replaced by a generated one. */
const MAX_INCOMING_REQUEST_ID = 128;

/**
 * Random once per process, so IDs stay unique across workers, hosts and restarts without any
 * per-request crypto: 9 random bytes (72 bits) as 12 base64url characters, then a counter.
 */
const PROCESS_PREFIX = `${randomBytes(9).toString('base64url')}-`;
let counter = 0;

export function generateRequestId(): string {
  return PROCESS_PREFIX + (++counter).toString(36);
}

/**
 * A client-sent ID the gateway may repeat in headers, logs and JSON: 1 to 128 visible ASCII
 * characters without `"`, `\` or `,` (a comma is how Node joins a repeated header, so two copies
 * are refused rather than merged into one ID).
 */
export function isWellFormedRequestId(value: string): boolean {
  const len = value.length;
  if (len === 0 || len > MAX_INCOMING_REQUEST_ID) return false;
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 /* " */ || c === 0x5c /* \ */ || c === 0x2c /* , */) return false;
  }
  return true;
}

/** The request-ID header of one listener, its name looked up once. */
export interface RequestIdHeader {
  /** as configured: what the upstream and the client receive */
  readonly name: string;
  /** lower-case: the key in Node's req.headers, and what response headers are compared with */
  readonly lower: string;
  readonly trustIncoming: boolean;
}

export function requestIdHeader(cfg: RequestIdConfig): RequestIdHeader {
  return Object.freeze({ name: cfg.header, lower: cfg.header.toLowerCase(), trustIncoming: cfg.trustIncoming });
}

/** This request's ID: the client's when trusted and well-formed, else a fresh one. */
export function requestIdOf(req: IncomingMessage, header: RequestIdHeader): string {
  if (header.trustIncoming) {
    const sent = req.headers[header.lower];
    if (typeof sent === 'string' && isWellFormedRequestId(sent)) return sent;
  }
  return generateRequestId();
}
