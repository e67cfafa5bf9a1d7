// The client identity certgate forwarded, read only from headers the signature covers. The
// thumbprint is recomputed from the DER: a thumbprint header is at most checked, never trusted.
import { x5tS256 } from '../wire/thumbprint.js';
import { CERT_HEADER_CODECS, derToPem, type CertHeaderFormat } from '../wire/header-codecs.js';
import { INFO_HEADER } from '../wire/info-headers.js';
import { CertgateVerifyError } from './errors.js';
import type { RequestView } from './request-view.js';

export interface ForwardedCertificate {
  readonly der: Buffer;
  /** base64url(SHA-256(DER)), RFC 8705 section 3.1, computed here. */
  readonly x5tS256: string;
  readonly pem: string;
}

export interface ForwardedClient {
  readonly certificate?: ForwardedCertificate;
  /** Certificates above the leaf, as certgate forwarded them (empty when none). */
  readonly chain: Buffer[];
  /** From X-Client-Subject-DN, or the XFCC Subject, when certgate sent one. */
  readonly subjectDN?: string;
  /** X-Client-Verify: SUCCESS, NONE or FAILED:<reason>, when certgate sent it. */
  readonly verify?: string;
}

export interface CertHeaderOptions {
  readonly certHeader: string;
  readonly format: CertHeaderFormat;
  readonly chainHeader?: string;
}

/** The info headers, lower-cased as RequestView's field names are. */
const INFO_HEADERS = {
  verify: INFO_HEADER.verify.toLowerCase(),
  subjectDN: INFO_HEADER.subjectDN.toLowerCase(),
  thumbprint: INFO_HEADER.thumbprint.toLowerCase(),
} as const;

/** Certificate headers the gateway strips from every client request, whatever the upstream's config. */
const ALWAYS_OWNED_CERT_HEADERS = ['client-cert', 'client-cert-chain', 'x-forwarded-client-cert'];

/** Defaults: the header name each format is usually carried in. */
export function defaultCertHeader(format: CertHeaderFormat): string {
  return CERT_HEADER_CODECS[format].defaultHeader;
}

/**
 * Every certificate-bearing header in the request must be covered. The gateway strips client
 * copies of these (also spelled with `_`), so an uncovered one was added after signing: by
 * something between the gateway and here, or by a client that reached the upstream directly.
 */
export function assertCertHeadersCovered(view: RequestView, covered: ReadonlySet<string>, opts: CertHeaderOptions): void {
  const watched = new Set<string>([...ALWAYS_OWNED_CERT_HEADERS, ...Object.values(INFO_HEADERS), opts.certHeader.toLowerCase()]);
  if (opts.chainHeader !== undefined) watched.add(opts.chainHeader.toLowerCase());
  for (const name of view.fields.keys()) {
    const normal = name.includes('_') ? name.replaceAll('_', '-') : name;
    if (watched.has(normal) && !covered.has(name)) {
      throw new CertgateVerifyError('ERR_HEADER_NOT_COVERED', `${name} is present but not covered by the signature`, { component: name });
    }
  }
}

export function readForwardedClient(view: RequestView, opts: CertHeaderOptions): ForwardedClient {
  const certValue = single(view, opts.certHeader);
  const verify = single(view, INFO_HEADERS.verify);
  let subjectDN = single(view, INFO_HEADERS.subjectDN);
  let certificate: ForwardedCertificate | undefined;
  let chain: Buffer[] = [];

  if (certValue !== undefined) {
    const codec = CERT_HEADER_CODECS[opts.format];
    const decoded = decode(opts.certHeader, () => codec.decode(certValue));
    const der = decoded.leaf;
    certificate = { der, x5tS256: x5tS256(der), pem: derToPem(der) };
    // XFCC carries the chain and subject inside the same header.
    if (decoded.chain !== undefined) chain = decoded.chain;
    subjectDN ??= decoded.subject;
  }
  if (opts.chainHeader !== undefined) {
    const chainValue = single(view, opts.chainHeader);
    if (chainValue !== undefined) {
      const codec = CERT_HEADER_CODECS[opts.format];
      chain = decode(opts.chainHeader, () => codec.decodeChain(chainValue));
    }
  }

  const thumbprint = single(view, INFO_HEADERS.thumbprint);
  if (thumbprint !== undefined && thumbprint !== certificate?.x5tS256) {
    throw new CertgateVerifyError('ERR_MALFORMED', `${INFO_HEADER.thumbprint} does not match the forwarded certificate`, {
      component: INFO_HEADERS.thumbprint,
    });
  }

  return {
    ...(certificate === undefined ? {} : { certificate }),
    chain,
    ...(subjectDN === undefined ? {} : { subjectDN }),
    ...(verify === undefined ? {} : { verify }),
  };
}

// certgate sends each of these once; two copies cannot come from the gateway.
function single(view: RequestView, name: string): string | undefined {
  const lines = view.fields.get(name.toLowerCase());
  if (lines === undefined) return undefined;
  if (lines.length !== 1) throw new CertgateVerifyError('ERR_MALFORMED', `${name} appears more than once`, { component: name });
  return lines[0]!.trim();
}

function decode<T>(header: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new CertgateVerifyError('ERR_MALFORMED', `${header} cannot be decoded`, { component: header.toLowerCase(), cause: err });
  }
}
