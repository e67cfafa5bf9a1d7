// A worst-case estimate of the header bytes the gateway adds to a request, compared at load time
// with what the upstream accepts, so a long chain shows up as a warning, not as a 431 in
// production. The numbers are deliberately generous: real client certificates run 1-2 KB.
import type { UpstreamConfig } from './types.js';
import { CERT_HEADER_CODECS } from '../wire/header-codecs.js';

const TYPICAL_CERT_DER_BYTES = 2048;

const INFO_HEADERS_BYTES = 512; // X-Client-Verify, X-Client-Subject-DN (long DNs), X-Client-Cert-Thumbprint
const SIGNATURE_HEADERS_BYTES = 640; // Signature-Input listing every added header, plus Signature
const FORWARDED_HEADERS_BYTES = 320; // X-Forwarded-For/-Proto/-Host, X-Real-IP

export interface HeaderEstimate {
  readonly bytes: number;
  readonly certificates: number;
}

/** `verifyDepth` is the largest chain (certificates above the leaf) any listener routing here allows. */
export function estimateAddedHeaderBytes(u: UpstreamConfig, verifyDepth: number): HeaderEstimate {
  const cc = u.clientCert;
  const codec = CERT_HEADER_CODECS[cc.format];
  const encodedCert = Math.ceil(TYPICAL_CERT_DER_BYTES * codec.bytesPerDerByte);
  const line = (name: string, value: number): number => name.length + 2 + value + 2;
  // XFCC carries the chain inside its one header; the other formats only with chainHeader.
  const chainInline = codec.encodeChain === undefined;
  const chainCerts = cc.chainHeader !== undefined || chainInline ? verifyDepth : 0;
  let bytes = line(cc.header, encodedCert);
  if (cc.chainHeader !== undefined) bytes += line(cc.chainHeader, chainCerts * (encodedCert + 1));
  else if (chainInline) bytes += chainCerts * (encodedCert + 1) + 512; // XFCC's Chain=, Subject=, URI=, DNS=
  if (cc.infoHeaders) bytes += INFO_HEADERS_BYTES;
  if (u.signature) bytes += SIGNATURE_HEADERS_BYTES;
  for (const auth of u.authentication) if (auth.header) bytes += line(auth.header[0], auth.header[1].length);
  bytes += FORWARDED_HEADERS_BYTES;
  return { bytes, certificates: 1 + chainCerts };
}
