// The server name (SNI, RFC 6066 section 3) of a TLS ClientHello, read from the raw bytes a client
// sent before any TLS library saw them, so that the connection can be handed to the virtual host it
// names (sni-dispatch.ts). A ClientHello may span several TLS records and TCP segments: the parser
// takes everything received so far and says whether it needs more. It never throws: the bytes come
// from anyone on the network.

// Buffer imported, not the global: in an ES module the global is a getter, read on every call.
import { Buffer } from 'node:buffer';

/** A larger ClientHello is refused: real ones are well under 2 KiB (post-quantum key shares ~1.5 KiB). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

export type ClientHelloSni =
  /** Not all of the ClientHello has arrived yet. */
  | { readonly kind: 'incomplete' }
  /** A whole ClientHello; serverName is lower-cased, undefined when the client sent none. */
  | { readonly kind: 'complete'; readonly serverName: string | undefined }
  /** Not a TLS ClientHello, or a malformed or oversized one. */
  | { readonly kind: 'invalid'; readonly reason: string };

const INCOMPLETE: ClientHelloSni = Object.freeze({ kind: 'incomplete' });
const RECORD_HEADER = 5;
const HANDSHAKE_HEADER = 4;
const CONTENT_HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const EXT_SERVER_NAME = 0x0000;
const HOST_NAME = 0x00;
const MAX_RECORD = 16384 + 2048; // TLSPlaintext limit plus the TLSCiphertext expansion TLS 1.2 allows

const invalid = (reason: string): ClientHelloSni => ({ kind: 'invalid', reason });
const NO_NAME: ClientHelloSni = Object.freeze({ kind: 'complete', serverName: undefined });

export function readClientHelloSni(input: Uint8Array): ClientHelloSni {
  // Sockets hand over Buffers: no copy, and the name is decoded in place (toString's range).
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  // The common case, read in place: the whole ClientHello inside the first record. The same checks,
  // in the same order, as handshakeBytes, which reassembles every other case.
  if (bytes.length >= RECORD_HEADER + HANDSHAKE_HEADER && bytes[0] === CONTENT_HANDSHAKE && bytes[1] === 3 && bytes[RECORD_HEADER] === CLIENT_HELLO) {
    const record = (bytes[3]! << 8) | bytes[4]!;
    const need = HANDSHAKE_HEADER + ((bytes[6]! << 16) | (bytes[7]! << 8) | bytes[8]!);
    if (record <= MAX_RECORD && need <= record && need <= MAX_CLIENT_HELLO_BYTES && bytes.length >= RECORD_HEADER + need) {
      return serverNameOf(bytes, RECORD_HEADER, RECORD_HEADER + need);
    }
  }
  const hello = handshakeBytes(bytes);
  if (!Buffer.isBuffer(hello)) return hello;
  return serverNameOf(hello, 0, hello.length);
}

/** The ClientHello handshake message (header and body) reassembled from its records. */
function handshakeBytes(bytes: Buffer): Buffer | ClientHelloSni {
  const fragments: Buffer[] = [];
  let have = 0;
  let need = -1; // whole handshake message length, once its header is in
  let at = 0;
  while (need < 0 || have < need) {
    if (bytes.length - at < 1) return INCOMPLETE;
    if (bytes[at] !== CONTENT_HANDSHAKE) return invalid(at === 0 ? 'not a TLS handshake' : 'record of another type inside the ClientHello');
    if (bytes.length - at >= 2 && bytes[at + 1] !== 3) return invalid('unknown TLS record version');
    if (bytes.length - at < RECORD_HEADER) return INCOMPLETE;
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (length === 0 || length > MAX_RECORD) return invalid('bad TLS record length');
    const end = at + RECORD_HEADER + length;
    const fragment = bytes.subarray(at + RECORD_HEADER, Math.min(end, bytes.length));
    fragments.push(fragment);
    have += fragment.length;
    if (need < 0 && have >= HANDSHAKE_HEADER) {
      const head = join(fragments, HANDSHAKE_HEADER);
      if (head[0] !== CLIENT_HELLO) return invalid('first handshake message is not a ClientHello');
      need = HANDSHAKE_HEADER + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (need > MAX_CLIENT_HELLO_BYTES) return invalid(`ClientHello larger than ${MAX_CLIENT_HELLO_BYTES} bytes`);
    }
    if (end > bytes.length) return need >= 0 && have >= need ? join(fragments, need) : INCOMPLETE;
    at = end;
  }
  return join(fragments, need);
}

function join(fragments: readonly Buffer[], length: number): Buffer {
  if (fragments[0]!.length >= length) return fragments[0]!.subarray(0, length);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const f of fragments) {
    const n = Math.min(f.length, length - at);
    out.set(f.subarray(0, n), at);
    at += n;
    if (at === length) break;
  }
  return out;
}

const u16 = (b: Buffer, at: number): number => (b[at]! << 8) | b[at + 1]!;

/**
 * Walks the ClientHello body (RFC 8446 section 4.1.2) in b[start, end) to the server_name
 * extension, with plain offsets (no reader object: this runs once per connection).
 */
function serverNameOf(b: Buffer, start: number, end: number): ClientHelloSni {
  let at = start + HANDSHAKE_HEADER + 2 + 32; // legacy_version, random
  if (at + 1 > end) return invalid('bad cipher_suites length');
  at += 1 + b[at]!; // legacy_session_id
  if (at + 2 > end) return invalid('bad cipher_suites length');
  const suites = u16(b, at);
  if (suites === 0 || suites % 2 !== 0) return invalid('bad cipher_suites length');
  at += 2 + suites;
  if (at + 1 > end) return invalid('truncated ClientHello');
  at += 1 + b[at]!; // legacy_compression_methods
  if (at > end) return invalid('truncated ClientHello');
  if (at === end) return NO_NAME; // no extensions (SSLv3-era hello)
  if (at + 2 > end || at + 2 + u16(b, at) !== end) return invalid('bad extensions length');
  at += 2;
  while (at < end) {
    if (at + 4 > end) return invalid('bad extension length');
    const type = u16(b, at);
    const length = u16(b, at + 2);
    at += 4;
    if (at + length > end) return invalid('bad extension length');
    if (type === EXT_SERVER_NAME) return hostNameOf(b, at, at + length);
    at += length;
  }
  return NO_NAME;
}

/** The server_name extension's data in b[start, end) (RFC 6066 section 3). */
function hostNameOf(b: Buffer, start: number, end: number): ClientHelloSni {
  if (start + 2 > end || start + 2 + u16(b, start) !== end) return invalid('bad server_name list length');
  let at = start + 2;
  while (at < end) {
    if (at + 3 > end) return invalid('bad server_name entry');
    const type = b[at]!;
    const length = u16(b, at + 1);
    at += 3;
    if (length === 0 || at + length > end) return invalid('bad server_name entry');
    if (type === HOST_NAME) return { kind: 'complete', serverName: b.toString('latin1', at, at + length).toLowerCase() };
    at += length;
  }
  return NO_NAME;
}
