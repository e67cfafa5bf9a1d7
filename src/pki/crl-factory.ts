// CRLs issued by a factory-made CA: the dev PKI's ca.crl and the revocation tests' fixtures.
import * as asn1js from 'asn1js';
import { x509 } from './x509-library.js';
import type { IssuedCertificate } from './certificate-factory.js';
import { signingAlgorithmFor } from './key-pairs.js';

export interface RevokedEntry {
  /** Hex serial, as IssuedCertificate.x509.serialNumber prints it. */
  readonly serialNumber: string;
  /** Default: one hour ago. */
  readonly revocationDate?: Date;
  readonly reason?: x509.X509CrlReason;
}

export interface CrlOptions {
  readonly revoked?: readonly RevokedEntry[];
  /** Default: one hour ago. */
  readonly thisUpdate?: Date;
  /** Default: thisUpdate + 7 days. */
  readonly nextUpdate?: Date;
  /** cRLNumber extension (RFC 5280 section 5.2.3). Default 1. */
  readonly crlNumber?: number;
}

export interface IssuedCrl {
  readonly pem: string;
  readonly der: Buffer;
  readonly crl: x509.X509Crl;
}

const CRL_NUMBER = '2.5.29.20';

export async function createCrl(issuer: IssuedCertificate, options: CrlOptions = {}): Promise<IssuedCrl> {
  // Whole seconds: RFC 5280 section 4.1.2.5.2 forbids fractional seconds in GeneralizedTime.
  const hourAgo = new Date(Math.floor(Date.now() / 1000) * 1000 - 60 * 60 * 1000);
  const thisUpdate = options.thisUpdate ?? hourAgo;
  const nextUpdate = options.nextUpdate ?? new Date(thisUpdate.getTime() + 7 * 24 * 60 * 60 * 1000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: issuer.certificate.subjectName,
    thisUpdate,
    nextUpdate,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithmFor(issuer.privateKey),
    extensions: [
      new x509.Extension(CRL_NUMBER, false, new asn1js.Integer({ value: options.crlNumber ?? 1 }).toBER()),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
    entries: (options.revoked ?? []).map((entry) => {
      const revocationDate = wholeSeconds(entry.revocationDate ?? hourAgo);
      return {
        serialNumber: entry.serialNumber,
        revocationDate,
        // @peculiar/x509 2.2 writes an entry without extensions as an empty crlEntryExtensions
        // SEQUENCE, which RFC 5280 forbids (SIZE 1..MAX) and OpenSSL refuses to load. An
        // invalidityDate equal to the revocation date is true and keeps the entry well-formed.
        invalidity: revocationDate,
        ...(entry.reason ? { reason: entry.reason } : {}),
      };
    }),
  });
  const der = Buffer.from(crl.rawData);
  return { pem: crlPem(der), der, crl };
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** RFC 7468 section 5 label "X509 CRL" (@peculiar/x509 writes "CRL", which OpenSSL does not read). */
function crlPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN X509 CRL-----\n${lines.join('\n')}\n-----END X509 CRL-----\n`;
}
