// The server name (SNI, RFC 6066 section 3) of a TLS ClientHello, read from the raw bytes a client
// sent before any TLS library saw them, so that the connection can be handed to the virtual host it
// names (sni-dispatch.ts). A ClientHello may span several TLS records and TCP segments: the parser
// takes everything received so far and says whether it needs more. It never throws: the bytes come
// from anyone on the network.

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

export function readClientHelloSni(bytes: Uint8Array): ClientHelloSni {
  const hello = handshakeBytes(bytes);
  if (!(hello instanceof Uint8Array)) return hello;
  return serverNameOf(hello);
}

/** The ClientHello handshake message (header and body) reassembled from its records. */
function handshakeBytes(bytes: Uint8Array): Uint8Array | ClientHelloSni {
  const fragments: Uint8Array[] = [];
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

function join(fragments: readonly Uint8Array[], length: number): Uint8Array {
  if (fragments[0]!.length >= length) return fragments[0]!.subarray(0, length);
  const out = new Uint8Array(length);
  let at = 0;
  for (const f of fragments) {
    const n = Math.min(f.length, length - at);
    out.set(f.subarray(0, n), at);
    at += n;
    if (at === length) break;
  }
  return out;
}

/** Walks the ClientHello body (RFC 8446 section 4.1.2) to the server_name extension. */
function serverNameOf(hello: Uint8Array): ClientHelloSni {
  const r = new Cursor(hello, HANDSHAKE_HEADER);
  r.skip(2 + 32); // legacy_version, random
  r.skip(r.u8()); // legacy_session_id
  const suites = r.u16();
  if (suites === 0 || suites % 2 !== 0) return invalid('bad cipher_suites length');
  r.skip(suites);
  r.skip(r.u8()); // legacy_compression_methods
  if (r.overran()) return invalid('truncated ClientHello');
  if (r.at === hello.length) return { kind: 'complete', serverName: undefined }; // no extensions (SSLv3-era hello)
  const extensionsEnd = r.at + 2 + r.u16();
  if (r.overran() || extensionsEnd !== hello.length) return invalid('bad extensions length');
  while (r.at < extensionsEnd) {
    const type = r.u16();
    const length = r.u16();
    if (r.overran() || r.at + length > extensionsEnd) return invalid('bad extension length');
    if (type === EXT_SERVER_NAME) return hostNameOf(new Cursor(hello.subarray(r.at, r.at + length), 0));
    r.skip(length);
  }
  return { kind: 'complete', serverName: undefined };
}

function hostNameOf(r: Cursor): ClientHelloSni {
  const listEnd = r.at + 2 + r.u16();
  if (r.overran() || listEnd !== r.bytes.length) return invalid('bad server_name list length');
  while (r.at < listEnd) {
    const type = r.u8();
    const length = r.u16();
    if (r.overran() || length === 0 || r.at + length > listEnd) return invalid('bad server_name entry');
    if (type === HOST_NAME)
      return {
        kind: 'complete',
        // A view on the same memory, not a copy.
        serverName: Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.at, length)
          .toString('latin1')
          .toLowerCase(),
      };
    r.skip(length);
  }
  return { kind: 'complete', serverName: undefined };
}

/** Big-endian reads that record an overrun instead of throwing. */
class Cursor {
  private failed = false;
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
  ) {}

  private take(n: number): number {
    const start = this.at;
    this.at += n;
    if (this.at > this.bytes.length) this.failed = true;
    return start;
  }

  /** A method, not a field: TypeScript would keep a checked field narrowed across the reads. */
  overran(): boolean {
    return this.failed;
  }

  u8(): number {
    const i = this.take(1);
    return this.failed ? 0 : this.bytes[i]!;
  }

  u16(): number {
    const i = this.take(2);
    return this.failed ? 0 : (this.bytes[i]! << 8) | this.bytes[i + 1]!;
  }

  skip(n: number): void {
    this.take(n);
  }
}
