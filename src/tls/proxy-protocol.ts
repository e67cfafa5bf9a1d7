// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that an L4 load
// balancer puts in front of the TLS ClientHello to name the client it accepted. A pure function
// over the bytes received so far: the socket side (timeouts, trust, metrics) is in
// proxy-protocol-reader.ts. The parser is strict because its input comes from the network.
import { isIPv4 } from 'node:net';
import { formatIpBytes } from '../x509/ip-address.js';

export type ProxyVersionAccepted = 'v1' | 'v2' | 'any';

export interface ProxySource {
  readonly address: string;
  readonly port: number;
}

export type ProxyParseResult =
  /** A whole header of `consumed` bytes; no source for v2 LOCAL, v1 UNKNOWN and v2 AF_UNSPEC. */
  | { readonly kind: 'ok'; readonly consumed: number; readonly source: ProxySource | undefined }
  /** The bytes so far are a valid beginning of a header: wait for more. */
  | { readonly kind: 'incomplete' }
  /** The connection does not start with a PROXY signature (a TLS ClientHello starts with 0x16). */
  | { readonly kind: 'absent' }
  | { readonly kind: 'error'; readonly reason: string };

/** Spec section 2.1: 107 bytes is the longest v1 line, CRLF included. */
const V1_MAX_BYTES = 107;
/** Addresses take at most 216 bytes (AF_UNIX); the rest is TLVs, which certgate ignores. */
const V2_MAX_PAYLOAD = 4096;

const V1_SIGNATURE = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_HEADER_BYTES = 16;
const INCOMPLETE = Object.freeze({ kind: 'incomplete' } as const);
const ABSENT = Object.freeze({ kind: 'absent' } as const);

function error(reason: string): ProxyParseResult {
  return { kind: 'error', reason };
}

/** True when the first bytes of `data` agree with `signature` (as far as both go). */
function startsLike(data: Uint8Array, signature: Uint8Array): boolean {
  const n = Math.min(data.length, signature.length);
  for (let i = 0; i < n; i++) if (data[i] !== signature[i]) return false;
  return true;
}

export function parseProxyHeader(data: Uint8Array, accept: ProxyVersionAccepted): ProxyParseResult {
  if (data.length === 0) return INCOMPLETE;
  if (startsLike(data, V1_SIGNATURE)) return accept === 'v2' ? error('PROXY v1 header on a listener that accepts v2 only') : parseV1(data);
  if (startsLike(data, V2_SIGNATURE)) return accept === 'v1' ? error('PROXY v2 header on a listener that accepts v1 only') : parseV2(data);
  return ABSENT;
}

// "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n" or "PROXY UNKNOWN[ anything]\r\n".
function parseV1(data: Uint8Array): ProxyParseResult {
  const window = Math.min(data.length, V1_MAX_BYTES);
  let end = -1;
  for (let i = 0; i < window; i++) {
    if (data[i] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end < 0) return data.length >= V1_MAX_BYTES ? error('PROXY v1 header longer than 107 bytes') : INCOMPLETE;
  if (end === 0 || data[end - 1] !== 0x0d) return error('PROXY v1 header not terminated by CRLF');
  const line = Buffer.from(data.buffer, data.byteOffset, end - 1).toString('latin1');
  const consumed = end + 1;
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return { kind: 'ok', consumed, source: undefined };
  if (fields.length !== 6) return error('PROXY v1 header does not have 6 fields');
  const [, family, src, dst, srcPort, dstPort] = fields as [string, string, string, string, string, string];
  const validAddress = family === 'TCP4' ? isIPv4 : family === 'TCP6' ? isCanonicalishIPv6 : undefined;
  if (!validAddress) return error(`PROXY v1 protocol '${family}' is not TCP4, TCP6 or UNKNOWN`);
  if (!validAddress(src) || !validAddress(dst)) return error(`PROXY v1 address is not ${family}`);
  const port = v1Port(srcPort);
  if (port === undefined || v1Port(dstPort) === undefined) return error('PROXY v1 port is not a number from 0 to 65535');
  const address = family === 'TCP4' ? src : formatIpBytes(ipv6Bytes(src));
  return { kind: 'ok', consumed, source: { address: address!, port } };
}

function v1Port(text: string): number | undefined {
  // Decimal without leading zeros (spec section 2.1).
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** An IPv6 address in the forms v1 allows: hex groups and "::", no zone, no embedded IPv4. */
function isCanonicalishIPv6(text: string): boolean {
  return /^[0-9A-Fa-f:]{2,39}$/.test(text) && ipv6Bytes(text).length === 16;
}

/** The 16 bytes of a textual IPv6 address (hex groups, optional "::"), or an empty array. */
function ipv6Bytes(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) return new Uint8Array(0);
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return new Uint8Array(0);
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return new Uint8Array(0);
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  return out;
}

// 12-byte signature, version/command, family/transport, 16-bit length, then addresses and TLVs.
function parseV2(data: Uint8Array): ProxyParseResult {
  if (data.length < V2_HEADER_BYTES) return INCOMPLETE;
  const versionCommand = data[12]!;
  if (versionCommand >> 4 !== 2) return error('PROXY v2 header with a version other than 2');
  const command = versionCommand & 0x0f;
  if (command > 1) return error(`PROXY v2 command ${command} is neither LOCAL nor PROXY`);
  const length = (data[14]! << 8) | data[15]!;
  if (length > V2_MAX_PAYLOAD) return error(`PROXY v2 header longer than ${V2_MAX_PAYLOAD} bytes`);
  const consumed = V2_HEADER_BYTES + length;
  if (data.length < consumed) return INCOMPLETE;
  // LOCAL: a connection the load balancer opened itself (a health check); the addresses are
  // meaningless (section 2.2), so the socket's own peer stands.
  if (command === 0) return { kind: 'ok', consumed, source: undefined };
  const family = data[13]! >> 4;
  const transport = data[13]! & 0x0f;
  // AF_UNSPEC: the sender does not know the client; section 2.2 says to use the real endpoints.
  if (family === 0) return { kind: 'ok', consumed, source: undefined };
  // A UNIX socket or a datagram has no client IP and port that certgate could stand on.
  if (transport !== 1) return error('PROXY v2 transport is not STREAM');
  const body = data.subarray(V2_HEADER_BYTES, consumed);
  if (family === 1) {
    if (length < 12) return error('PROXY v2 AF_INET addresses shorter than 12 bytes');
    return { kind: 'ok', consumed, source: { address: formatIpBytes(body.subarray(0, 4))!, port: (body[8]! << 8) | body[9]! } };
  }
  if (family === 2) {
    if (length < 36) return error('PROXY v2 AF_INET6 addresses shorter than 36 bytes');
    return { kind: 'ok', consumed, source: { address: formatIpBytes(body.subarray(0, 16))!, port: (body[32]! << 8) | body[33]! } };
  }
  return error(`PROXY v2 address family ${family} is not AF_INET or AF_INET6`);
}
