// The headers the gateway adds for a client identity: certificate, chain, info headers.
// Compiled once per upstream; values are built once per identity object and cached, so a
// keep-alive connection's requests reuse one frozen array (no re-encoding per request).
import type { X509Certificate } from 'node:crypto';
import type { ClientCertForwardConfig } from '../config/types.js';
import type { ClientIdentity } from '../identity/types.js';
import { dnToVisibleAscii, percentEncodeNonVisible } from '../wire/ascii-safe.js';
import { CERT_HEADER_CODECS } from '../wire/header-codecs.js';
import { INFO_HEADER, INFO_HEADER_NAMES } from '../wire/info-headers.js';

export type IdentityHeaders = (identity: ClientIdentity) => readonly string[];

/**
 * The verified chain above the leaf without its trust anchor. `identity.chain` is what
 * OpenSSL built, anchor last. The anchor is dropped only when it is self-issued: a root is
 * the only self-issued certificate a built chain can end with, and the upstream holds it
 * already. A last element that is not self-issued (a partial chain ending at a trusted
 * intermediate) is kept: it is not known to be the upstream's anchor, and one extra
 * certificate is harmless where a missing one breaks path building. A copy of the leaf
 * (Node's self-signed-leaf issuerCertificate loop) is never repeated.
 */
export function chainWithoutAnchor(identity: ClientIdentity): X509Certificate[] {
  const leafDer = identity.certificate?.der;
  const out: X509Certificate[] = [];
  for (const c of identity.chain) {
    if (leafDer !== undefined && c.raw.equals(leafDer)) continue;
    out.push(c);
  }
  const last = out[out.length - 1];
  if (last !== undefined && isSelfIssued(last)) out.pop();
  return out;
}

function isSelfIssued(c: X509Certificate): boolean {
  // checkIssued compares issuer/subject names (and key identifiers) as OpenSSL does.
  return c.checkIssued(c);
}

/** `SUCCESS`, `NONE` or `FAILED:<reason>` as nginx's $ssl_client_verify writes it. */
export function verifyHeaderValue(identity: ClientIdentity): string {
  if (identity.verify !== 'FAILED') return identity.verify;
  const reason = identity.verifyReason;
  return reason ? `FAILED:${percentEncodeNonVisible(reason)}` : 'FAILED';
}

export function compileIdentityHeaders(cfg: ClientCertForwardConfig): IdentityHeaders {
  const cache = new WeakMap<ClientIdentity, readonly string[]>();
  const codec = CERT_HEADER_CODECS[cfg.format];
  // A format that carries the chain inside the certificate header (xfcc) has no chain header.
  const encodeChain = codec.encodeChain;
  const chainHeader = encodeChain === undefined ? undefined : cfg.chainHeader;

  function build(identity: ClientIdentity): readonly string[] {
    const out: string[] = [];
    const cert = identity.certificate;
    if (cert !== undefined) {
      const above = chainWithoutAnchor(identity).map((c) => c.raw);
      out.push(cfg.header, codec.encode(cert.der, { chain: above, subject: cert.subjectDN, uri: cert.san.uri, dns: cert.san.dns }));
      if (encodeChain !== undefined && chainHeader !== undefined && above.length > 0) {
        out.push(chainHeader, encodeChain(above));
      }
    }
    if (cfg.infoHeaders) {
      out.push(INFO_HEADER.verify, verifyHeaderValue(identity));
      if (cert !== undefined) {
        out.push(INFO_HEADER.subjectDN, dnToVisibleAscii(cert.subjectDN));
        out.push(INFO_HEADER.thumbprint, cert.x5tS256);
      }
    }
    return Object.freeze(out);
  }

  return (identity) => {
    let headers = cache.get(identity);
    if (headers === undefined) {
      headers = build(identity);
      cache.set(identity, headers);
    }
    return headers;
  };
}

/**
 * Lower-case names of every header the gateway may add for an identity under `cfg`, in a
 * fixed order (for the signer's coverage list). For xfcc the chain travels inside the
 * one header, so `chainHeader` is not added.
 */
export function addedHeaderNames(cfg: ClientCertForwardConfig): string[] {
  const names = [cfg.header.toLowerCase()];
  if (CERT_HEADER_CODECS[cfg.format].encodeChain !== undefined && cfg.chainHeader !== undefined) {
    names.push(cfg.chainHeader.toLowerCase());
  }
  if (cfg.infoHeaders) for (const name of INFO_HEADER_NAMES) names.push(name.toLowerCase());
  return names;
}
