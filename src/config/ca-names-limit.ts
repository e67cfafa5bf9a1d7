// Node (OpenSSL) sends the subject of every trusted CA in the CertificateRequest's
// certificate_authorities. That list is `DistinguishedName authorities<3..2^16-1>` (RFC 8446
// section 4.2.4): past 65535 bytes OpenSSL cannot encode the message and every handshake fails,
// which with ~750 CAs happens in production, not in a small test setup.
import { subjectDer } from '../x509/certificate-info.js';
import type { CertificateFile } from './types.js';

export const MAX_CA_NAMES_BYTES = 65535;

/** Bytes the certificate_authorities list takes: each subject's DER plus its 2-byte length. */
export function caNamesSize(files: readonly CertificateFile[]): number {
  let total = 0;
  for (const f of files) for (const c of f.certificates) total += subjectDer(c).length + 2;
  return total;
}

export function caNamesLimitMessage(size: number, count: number): string {
  return (
    `the subjects of the ${count} trusted CA certificates take ${size} bytes in the TLS CertificateRequest, ` +
    `over the protocol limit of ${MAX_CA_NAMES_BYTES}; every handshake would fail. ` +
    'Trust fewer anchors (only the CAs that issue client certificates, not a full browser bundle) ' +
    'or split the CAs across several listeners'
  );
}
