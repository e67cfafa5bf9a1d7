// One client certificate described once, in the forms every later stage needs: the DER for the
// forwarded header, the RFC 8705 thumbprint for token binding, RFC 4514 names for the policy and
// the info headers, and typed SANs. Callers cache the result per certificate.
import { createHash, type X509Certificate } from 'node:crypto';
import type { ClientCertificate } from './types.js';
import { readCertificateFields } from './certificate-fields.js';
import { formatDN } from './distinguished-name.js';

export function describeCertificate(x509: X509Certificate): ClientCertificate {
  const der = x509.raw;
  const fields = readCertificateFields(der);
  return {
    x509,
    der,
    x5tS256: thumbprintS256(der),
    subjectDN: formatDN(fields.subject),
    issuerDN: formatDN(fields.issuer),
    serialNumber: x509.serialNumber.toUpperCase(),
    san: fields.san,
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
  };
}

/** RFC 8705 section 3.1 `x5t#S256`: base64url (no padding) of SHA-256 over the DER. */
export function thumbprintS256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
