// Encoders and decoders for the certificate header formats an upstream can ask for, as one table
// keyed by format (CERT_HEADER_CODECS, at the end): a new format is one entry there.
// Pure functions over DER bytes; no gateway runtime imports, because the upstream verifier
// (`certgate/verify`) reuses the decoders.
import { sha256Hex } from './thumbprint.js';
import { parseItem, parseList, serializeItem, serializeList } from 'structured-headers';
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
const NGX_URI_COMPONENT = [0xffffffff, 0xfc009fff, 0x78000001, 0xb8000001, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
const HEX = '0123456789ABCDEF';

/** Byte-exact ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT) of the UTF-8 bytes of `input`. */
export function nginxEscapeUriComponent(input: string): string {
  let out = '';
  for (const byte of Buffer.from(input, 'utf8')) {
    if (NGX_URI_COMPONENT[byte >> 5]! & (1 << (byte & 0x1f))) {
      out += '%' + HEX.charAt(byte >> 4) + HEX.charAt(byte & 15);
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

/** What a format may carry beyond the certificate itself (only xfcc does). */
export interface CertHeaderDetails {
  /** Certificates above the leaf, trust anchor excluded; XFCC `Chain` is leaf + these. */
  readonly chain?: readonly Uint8Array[];
  /** RFC 4514 subject DN. */
  readonly subject?: string;
  readonly uri?: readonly string[];
  readonly dns?: readonly string[];
}

/** What one certificate header value carries, decoded. */
export interface DecodedCertHeader {
  readonly leaf: Buffer;
  /** Certificates above the leaf, for a format that carries the chain in the same header (xfcc). */
  readonly chain?: Buffer[];
  /** The subject DN, for a format that carries it (xfcc `Subject`). */
  readonly subject?: string;
}

function encodeXfcc(der: Uint8Array, details: CertHeaderDetails): string {
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

function decodeXfcc(value: string): DecodedCertHeader {
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
  const subject = xfccValue(el, 'Subject');
  return { leaf, chain: chain.slice(1), ...(subject === undefined ? {} : { subject }) };
}

function toBase64(der: Uint8Array): string {
  return Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
}

/** A comma-separated list, one encoded certificate per member (nginx and Traefik style). */
function commaList(encodeOne: (der: Uint8Array) => string): (chain: readonly Uint8Array[]) => string {
  return (chain) => chain.map(encodeOne).join(',');
}

function decodeCommaList(decodeOne: (value: string) => Buffer): (value: string) => Buffer[] {
  return (value) => (value.trim() === '' ? [] : value.split(',').map(decodeOne));
}

const decodePemUrlencoded = (value: string): Buffer => onePem(urlDecode(value.trim(), 'certificate header'), 'certificate header');
const decodeDerBase64 = (value: string): Buffer => strictBase64ToDer(value.trim(), 'certificate header');

/** One certificate header format: everything the gateway and `certgate/verify` need to know of it. */
export interface CertHeaderCodec {
  /** The header an upstream reading this format usually expects (`certgate/verify`'s default). */
  readonly defaultHeader: string;
  /** Header bytes per DER byte, for the config-time header-size estimate. */
  readonly bytesPerDerByte: number;
  /** The certificate header value for `der`; `details` is read only by formats that carry it. */
  readonly encode: (der: Uint8Array, details: CertHeaderDetails) => string;
  /** The chain header value; absent when the chain travels inside the certificate header. */
  readonly encodeChain?: (chain: readonly Uint8Array[]) => string;
  readonly decode: (value: string) => DecodedCertHeader;
  /** The certificates above the leaf from a chain header (for xfcc, from the XFCC header itself). */
  readonly decodeChain: (value: string) => Buffer[];
}

const codecs = {
  // nginx's $ssl_client_escaped_cert (Curity's examples, Keycloak's `nginx` provider).
  'pem-urlencoded': {
    defaultHeader: 'x-client-cert',
    // PEM adds armour and line breaks; URL-encoding '/', '+', '=' and newlines gives about 1.9x.
    bytesPerDerByte: 1.9,
    encode: (der) => nginxEscapeUriComponent(derToPem(der)),
    encodeChain: commaList((der) => nginxEscapeUriComponent(derToPem(der))),
    decode: (value) => ({ leaf: decodePemUrlencoded(value) }),
    decodeChain: decodeCommaList(decodePemUrlencoded),
  },
  // Base64 DER without armour (Traefik, HAProxy `ssl_c_der,base64`).
  'der-base64': {
    defaultHeader: 'x-client-cert',
    bytesPerDerByte: 1.34,
    encode: toBase64,
    encodeChain: commaList(toBase64),
    decode: (value) => ({ leaf: decodeDerBase64(value) }),
    decodeChain: decodeCommaList(decodeDerBase64),
  },
  rfc9440: {
    defaultHeader: 'client-cert',
    bytesPerDerByte: 1.34,
    // RFC 9440 section 2.2: an sf-binary Item.
    encode: (der) => serializeItem(der),
    // RFC 9440 section 2.3: an sf-list of sf-binary.
    encodeChain: (chain) => serializeList(chain.map((c) => [c, new Map()] as [Uint8Array, Map<string, never>])),
    decode: (value) => ({ leaf: byteSequence(parseSf(() => parseItem(value), 'Client-Cert')[0], 'Client-Cert') }),
    decodeChain: (value) =>
      parseSf(() => parseList(value), 'Client-Cert-Chain').map((member, i) => {
        if (Array.isArray(member[0])) throw new CertHeaderError(`Client-Cert-Chain[${i}]: inner list`);
        return byteSequence(member[0], `Client-Cert-Chain[${i}]`);
      }),
  },
  // Envoy's x-forwarded-client-cert (Keycloak's `envoy` provider); carries its chain inside.
  xfcc: {
    defaultHeader: 'x-forwarded-client-cert',
    bytesPerDerByte: 1.9,
    encode: encodeXfcc,
    decode: decodeXfcc,
    decodeChain: (value) => decodeXfcc(value).chain ?? [],
  },
} satisfies Record<string, CertHeaderCodec>;

export type CertHeaderFormat = keyof typeof codecs;

/** Every certificate header format, by its config name (`upstreams.<name>.clientCert.format`). */
export const CERT_HEADER_CODECS: Readonly<Record<CertHeaderFormat, CertHeaderCodec>> = Object.freeze(codecs);

/** The format names, in table order (config validation lists them). */
export const CERT_HEADER_FORMATS = Object.freeze(Object.keys(codecs) as CertHeaderFormat[]);

/** The certificate header value for `der` in `format`. */
export function encodeCertHeader(format: CertHeaderFormat, der: Uint8Array, details: CertHeaderDetails = {}): string {
  return CERT_HEADER_CODECS[format].encode(der, details);
}

/** The chain header value: one encoded certificate per member, comma-separated (sf-list for rfc9440). */
export function encodeChainHeader(format: CertHeaderFormat, chain: readonly Uint8Array[]): string {
  const encodeChain = CERT_HEADER_CODECS[format].encodeChain;
  if (encodeChain === undefined) throw new CertHeaderError(`${format} carries its chain inside the certificate header`);
  return encodeChain(chain);
}

/** The client certificate (DER) carried by a certificate header value. */
export function decodeCertHeader(format: CertHeaderFormat, value: string): Buffer {
  return CERT_HEADER_CODECS[format].decode(value).leaf;
}

/**
 * The certificates above the leaf (DER, leaf excluded). For xfcc `value` is the XFCC header
 * itself and its `Chain` (which per Envoy starts with the leaf) is read.
 */
export function decodeChainHeader(format: CertHeaderFormat, value: string): Buffer[] {
  return CERT_HEADER_CODECS[format].decodeChain(value);
}
