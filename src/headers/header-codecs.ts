// Encoders and decoders for the certificate header formats an upstream can ask for.
// Pure functions over DER bytes; no gateway runtime imports, because the upstream verifier
// (`certgate/verify`) reuses the decoders.
import { sha256Hex } from '../wire/thumbprint.js';
import { parseItem, parseList, serializeItem, serializeList } from 'structured-headers';
import type { CertHeaderFormat } from '../config/types.js';
import { dnToVisibleAscii, percentEncodeNonVisible } from './ascii-safe.js';
import { parseXfcc, serializeXfccElement, xfccValue, type XfccPair } from './xfcc.js';

export class CertHeaderError extends Error {
  readonly code = 'CERT_HEADER_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertHeaderError';
  }
}

// nginx's ngx_escape_uri(..., NGX_ESCAPE_URI_COMPONENT) table, copied bit for bit from
// src/core/ngx_string.c (`uri_component[]`): escape everything except ALPHA, DIGIT, - . _ ~
// (RFC 3986 unreserved), upper-case hex. Unlike encodeURIComponent it also escapes ! ' ( ) *.
const NGX_URI_COMPONENT = [
  0xffffffff, 0xfc009fff, 0x78000001, 0xb8000001, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
];
const HEX = '0123456789ABCDEF';

/** Byte-exact ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT) of the UTF-8 bytes of `input`. */
export function nginxEscapeUriComponent(input: string): string {
  let out = '';
  for (const byte of Buffer.from(input, 'utf8')) {
    if (NGX_URI_COMPONENT[byte >> 5]! & (1 << (byte & 0x1f))) {
      out += '%' + HEX[byte >> 4] + HEX[byte & 15];
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
}

/** PEM as OpenSSL's PEM_write_bio_X509 writes it (what nginx escapes): 64-char lines, final LF. */
export function derToPem(der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 that Buffer would not silently "repair": no stray characters, correct padding. */
function strictBase64ToDer(b64: string, what: string): Buffer {
  if (b64.length === 0 || !STRICT_BASE64.test(b64)) throw new CertHeaderError(`${what}: not valid base64`);
  return checkDer(Buffer.from(b64, 'base64'), what);
}

function checkDer(der: Buffer, what: string): Buffer {
  // A certificate is a DER SEQUENCE; anything else is not worth handing to a parser.
  if (der.length < 2 || der[0] !== 0x30) throw new CertHeaderError(`${what}: not a DER certificate`);
  return der;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block in `pem`, as DER, in order. */
export function pemToDer(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(PEM_BLOCK)) {
    out.push(strictBase64ToDer(m[1]!.replace(/[\r\n\t ]/g, ''), 'PEM certificate'));
  }
  return out;
}

function urlDecode(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch (cause) {
    throw new CertHeaderError(`${what}: malformed percent-encoding`, { cause });
  }
}

function onePem(pem: string, what: string): Buffer {
  const ders = pemToDer(pem);
  if (ders.length !== 1) throw new CertHeaderError(`${what}: expected one PEM certificate, found ${ders.length}`);
  return ders[0]!;
}

/** What XFCC carries beyond the certificate itself. */
export interface XfccDetails {
  /** Certificates above the leaf, trust anchor excluded; XFCC `Chain` is leaf + these. */
  readonly chain?: readonly Uint8Array[];
  /** RFC 4514 subject DN. */
  readonly subject?: string;
  readonly uri?: readonly string[];
  readonly dns?: readonly string[];
}

function encodeXfcc(der: Uint8Array, details: XfccDetails): string {
  // Order as Envoy's documented example: Hash, Cert, Chain, Subject, URI, DNS. Chain is
  // always present (Envoy's Chain includes the leaf) and comes before the text fields, so a
  // naive `;`-splitting parser that stops at Chain (Keycloak's envoy provider does) never
  // reads a Subject or SAN crafted to look like `;Cert=...`.
  let chainPem = derToPem(der);
  for (const c of details.chain ?? []) chainPem += derToPem(c);
  const pairs: XfccPair[] = [
    ['Hash', sha256Hex(der)],
    ['Cert', nginxEscapeUriComponent(derToPem(der))],
    ['Chain', nginxEscapeUriComponent(chainPem)],
  ];
  if (details.subject !== undefined) pairs.push(['Subject', dnToVisibleAscii(details.subject)]);
  for (const uri of details.uri ?? []) pairs.push(['URI', percentEncodeNonVisible(uri)]);
  for (const dns of details.dns ?? []) pairs.push(['DNS', percentEncodeNonVisible(dns)]);
  return serializeXfccElement(pairs);
}

/** The certificate header value for `der` in `format`. */
export function encodeCertHeader(format: CertHeaderFormat, der: Uint8Array, details: XfccDetails = {}): string {
  switch (format) {
    case 'pem-urlencoded':
      return nginxEscapeUriComponent(derToPem(der));
    case 'der-base64':
      return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    case 'rfc9440':
      // RFC 9440 section 2.2: an sf-binary Item.
      return serializeItem(der);
    case 'xfcc':
      return encodeXfcc(der, details);
  }
}

/** The chain header value: one encoded certificate per member, comma-separated (sf-list for rfc9440). */
export function encodeChainHeader(format: Exclude<CertHeaderFormat, 'xfcc'>, chain: readonly Uint8Array[]): string {
  switch (format) {
    case 'rfc9440':
      // RFC 9440 section 2.3: an sf-list of sf-binary.
      return serializeList(chain.map((c) => [c, new Map()] as [Uint8Array, Map<string, never>]));
    case 'pem-urlencoded':
    case 'der-base64':
      return chain.map((c) => encodeCertHeader(format, c)).join(',');
    default:
      throw new CertHeaderError('xfcc carries its chain inside the certificate header (Chain=)');
  }
}

function parseSf<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (cause) {
    throw new CertHeaderError(`${what}: not a valid structured field`, { cause });
  }
}

function byteSequence(bare: unknown, what: string): Buffer {
  if (!(bare instanceof ArrayBuffer)) throw new CertHeaderError(`${what}: expected a byte sequence`);
  return checkDer(Buffer.from(bare), what);
}

function decodeXfcc(value: string): { leaf: Buffer; above: Buffer[] } {
  let elements;
  try {
    elements = parseXfcc(value);
  } catch (cause) {
    throw new CertHeaderError('x-forwarded-client-cert: malformed', { cause });
  }
  // certgate sets exactly one element; more means something else appended or forwarded one.
  if (elements.length !== 1) {
    throw new CertHeaderError(`x-forwarded-client-cert: expected one element, found ${elements.length}`);
  }
  const el = elements[0]!;
  const certText = xfccValue(el, 'Cert');
  const chainText = xfccValue(el, 'Chain');
  const cert = certText === undefined ? undefined : onePem(urlDecode(certText, 'XFCC Cert'), 'XFCC Cert');
  const chain = chainText === undefined ? [] : pemToDer(urlDecode(chainText, 'XFCC Chain'));
  const leaf = cert ?? chain[0];
  if (leaf === undefined) throw new CertHeaderError('x-forwarded-client-cert: no Cert or Chain');
  if (cert !== undefined && chain.length > 0 && !chain[0]!.equals(cert)) {
    throw new CertHeaderError('x-forwarded-client-cert: Chain does not start with Cert');
  }
  const hash = xfccValue(el, 'Hash');
  if (hash !== undefined && hash.toLowerCase() !== sha256Hex(leaf)) {
    throw new CertHeaderError('x-forwarded-client-cert: Hash does not match the certificate');
  }
  return { leaf, above: chain.slice(1) };
}

/** The client certificate (DER) carried by a certificate header value. */
export function decodeCertHeader(format: CertHeaderFormat, value: string): Buffer {
  switch (format) {
    case 'pem-urlencoded':
      return onePem(urlDecode(value.trim(), 'certificate header'), 'certificate header');
    case 'der-base64':
      return strictBase64ToDer(value.trim(), 'certificate header');
    case 'rfc9440':
      return byteSequence(parseSf(() => parseItem(value), 'Client-Cert')[0], 'Client-Cert');
    case 'xfcc':
      return decodeXfcc(value).leaf;
  }
}

/**
 * The certificates above the leaf (DER, leaf excluded). For xfcc `value` is the XFCC header
 * itself and its `Chain` (which per Envoy starts with the leaf) is read.
 */
export function decodeChainHeader(format: CertHeaderFormat, value: string): Buffer[] {
  switch (format) {
    case 'rfc9440':
      return parseSf(() => parseList(value), 'Client-Cert-Chain').map((member, i) => {
        if (Array.isArray(member[0])) throw new CertHeaderError(`Client-Cert-Chain[${i}]: inner list`);
        return byteSequence(member[0], `Client-Cert-Chain[${i}]`);
      });
    case 'xfcc':
      return decodeXfcc(value).above;
    case 'pem-urlencoded':
    case 'der-base64': {
      if (value.trim() === '') return [];
      return value.split(',').map((part) => decodeCertHeader(format, part));
    }
  }
}
