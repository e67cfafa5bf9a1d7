// The client identity: computed once per TLS connection (or once per certificate, cached by
// thumbprint) and reused by every request on the connection.
import type { X509Certificate } from 'node:crypto';
import type { SubjectAltNames } from '../x509/certificate-info.js';

export type VerifyStatus = 'SUCCESS' | 'NONE' | 'FAILED';

export interface ClientCertificate {
  readonly x509: X509Certificate;
  readonly der: Buffer;
  /** base64url(SHA-256(DER)), RFC 8705 section 3.1 */
  readonly x5tS256: string;
  /** RFC 4514 string */
  readonly subjectDN: string;
  readonly issuerDN: string;
  /** Upper-case hex, as OpenSSL prints it */
  readonly serialNumber: string;
  readonly san: SubjectAltNames;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface ClientIdentity {
  /** Absent when the client sent no certificate. */
  readonly certificate?: ClientCertificate;
  /**
   * The verified chain above the leaf as built by OpenSSL, trust anchor last
   * (empty when unverified or unavailable).
   */
  readonly chain: readonly X509Certificate[];
  readonly verify: VerifyStatus;
  /** OpenSSL-style reason for FAILED, e.g. CERT_HAS_EXPIRED. */
  readonly verifyReason?: string;
  /**
   * For certgate's own refusals (key policy, undescribable certificate): the sentence the client
   * is told, which says more than the reason's generic description.
   */
  readonly verifyDetail?: string;
}
