// One client certificate described once, in the forms every later stage needs: the DER for the
// forwarded header, the RFC 8705 thumbprint for token binding, RFC 4514 names for the policy and
// the info headers, and typed SANs. Callers cache the result per certificate.
//
// OpenSSL completes a handshake with certificates it could not fully parse and reports only a
// verify error (issue 7: a GeneralizedTime of "2020" made pkijs throw and ended the process), so
// describing is total: a description, or an UndescribableCertificateError, nothing else.
import type { X509Certificate } from 'node:crypto';
import { x5tS256 } from '../wire/thumbprint.js';
import type { ClientCertificate } from './types.js';
import { readCertificateFields } from '../x509/certificate-info.js';
import { formatDN } from '../x509/distinguished-name.js';

/** The certificate completed a handshake but cannot be described (malformed DER, times, names...). */
export class UndescribableCertificateError extends Error {
  readonly code = 'CERT_UNDESCRIBABLE';
  /** Safe to show to the client: it names the problem, never echoes certificate content. */
  readonly description = 'certificate cannot be parsed';

  constructor(readonly detail: string) {
    super(`certificate cannot be parsed: ${detail}`);
    this.name = 'UndescribableCertificateError';
  }
}

/** Throws UndescribableCertificateError (and nothing else) for a certificate it cannot read. */
export function describeCertificate(x509: X509Certificate): ClientCertificate {
  try {
    const der = x509.raw;
    const fields = readCertificateFields(der);
    if (Number.isNaN(fields.notBefore.getTime()) || Number.isNaN(fields.notAfter.getTime())) {
      throw new Error('validity is not a valid time');
    }
    return {
      x509,
      der,
      x5tS256: x5tS256(der),
      subjectDN: formatDN(fields.subject),
      issuerDN: formatDN(fields.issuer),
      serialNumber: x509.serialNumber.toUpperCase(),
      san: fields.san,
      notBefore: fields.notBefore,
      notAfter: fields.notAfter,
    };
  } catch (err) {
    if (err instanceof UndescribableCertificateError) throw err;
    throw new UndescribableCertificateError(err instanceof Error ? err.message : String(err));
  }
}
