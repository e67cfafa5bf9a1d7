// The certificate factory behind `certgate pki`, `certgate demo` and every test that needs real
// certificates: CAs, leaves issued by them, and self-signed certificates, built in-process with
// @peculiar/x509 over WebCrypto (no openssl CLI).
import { X509Certificate as NodeX509Certificate, randomBytes } from 'node:crypto';
import { x509 } from './x509-library.js';
import { generateKeyPair, keyAlgorithmOf, privateKeyPem, signingAlgorithmFor, type CryptoKey, type CryptoKeyPair, type KeyAlgorithm } from './key-pairs.js';
import { subjectToJsonName } from './subject-name.js';
import { canonicalIp } from '../x509/ip-address.js';

export type { CryptoKey, CryptoKeyPair, KeyAlgorithm } from './key-pairs.js';

export type ExtendedKeyUsageName = 'clientAuth' | 'serverAuth' | 'OCSPSigning';
export type KeyUsageName = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface SubjectAltNameOptions {
  readonly dns?: readonly string[];
  readonly ip?: readonly string[];
  readonly uri?: readonly string[];
  readonly email?: readonly string[];
}

export interface CertificateOptions {
  /** RFC 4514 string, most specific RDN first ("CN=a,O=b,C=JP"), or a bare common name. */
  readonly subject: string;
  /** Default 'ec-p256'. Ignored when `keys` is given. */
  readonly keyAlgorithm?: KeyAlgorithm;
  /** Certify an existing key pair instead of generating one. */
  readonly keys?: CryptoKeyPair;
  /** Default: one hour ago (tolerates clock skew between test processes and peers). */
  readonly notBefore?: Date;
  /** Default: notBefore + validityDays. */
  readonly notAfter?: Date;
  /** Default 365, or 3650 for a CA. */
  readonly validityDays?: number;
  /** Hex string, bigint or number. Default: 16 random bytes. */
  readonly serialNumber?: string | bigint | number;
  readonly isCA?: boolean;
  /** basicConstraints pathLenConstraint (CA only). */
  readonly pathLength?: number;
  readonly san?: SubjectAltNameOptions;
  /** Default for leaves: none (any purpose). CAs never get one. */
  readonly extendedKeyUsage?: readonly ExtendedKeyUsageName[];
  /** Default: keyCertSign + cRLSign (+ digitalSignature) for CAs; digitalSignature (+ keyEncipherment for RSA) for leaves. */
  readonly keyUsage?: readonly KeyUsageName[];
  /** Authority Information Access: OCSP responder URL (RFC 5280 section 4.2.2.1). */
  readonly ocspUrl?: string;
  /** CRL distribution points (RFC 5280 section 4.2.1.13). */
  readonly crlUrls?: readonly string[];
}

export interface IssuedCertificate {
  readonly certPem: string;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly der: Buffer;
  /** Node's view, for checkIssued/verify and TLS options. */
  readonly x509: NodeX509Certificate;
  /** @peculiar/x509's view; its subjectName is reused byte-for-byte as the issuer of children. */
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  /** Signs certificates, CRLs and OCSP responses issued by this certificate. */
  readonly privateKey: CryptoKey;
  readonly keyAlgorithm: KeyAlgorithm;
  /** The issuing certificate; undefined when self-signed. */
  readonly issuer?: IssuedCertificate;
}

const EKU_OIDS: Record<ExtendedKeyUsageName, string> = {
  serverAuth: x509.ExtendedKeyUsage.serverAuth,
  clientAuth: x509.ExtendedKeyUsage.clientAuth,
  OCSPSigning: x509.ExtendedKeyUsage.ocspSigning,
};

/** A self-signed root CA. */
export function createCA(options: CertificateOptions): Promise<IssuedCertificate> {
  return createSelfSigned({ ...options, isCA: true });
}

/** A self-signed certificate (a root CA with isCA, otherwise a self-signed leaf). */
export async function createSelfSigned(options: CertificateOptions): Promise<IssuedCertificate> {
  const keys = options.keys ?? (await generateKeyPair(options.keyAlgorithm ?? 'ec-p256'));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    ...(await commonParams(options, keys, keys.publicKey)),
    name: new x509.Name(subjectToJsonName(options.subject)),
    keys,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
  });
  return wrap(certificate, keys, undefined);
}

/** A certificate (leaf, or intermediate CA with isCA) signed by `issuer`. */
export async function issueCertificate(issuer: IssuedCertificate, options: CertificateOptions): Promise<IssuedCertificate> {
  const keys = options.keys ?? (await generateKeyPair(options.keyAlgorithm ?? 'ec-p256'));
  const certificate = await x509.X509CertificateGenerator.create({
    ...(await commonParams(options, keys, issuer.keys.publicKey)),
    subject: new x509.Name(subjectToJsonName(options.subject)),
    // Same bytes as the issuer's subject, so chain building matches names exactly.
    issuer: issuer.certificate.subjectName,
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithmFor(issuer.privateKey),
  });
  return wrap(certificate, keys, issuer);
}

/** PEM of `cert` followed by its issuers up to, not including, the self-signed root: what a TLS peer sends. */
export function chainPem(cert: IssuedCertificate): string {
  let pem = cert.certPem;
  for (let up = cert.issuer; up?.issuer; up = up.issuer) pem += up.certPem;
  return pem;
}

async function commonParams(options: CertificateOptions, keys: CryptoKeyPair, issuerPublicKey: CryptoKey) {
  const isCA = options.isCA ?? false;
  const notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const days = options.validityDays ?? (isCA ? 3650 : 365);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + days * 24 * 60 * 60 * 1000);
  return {
    serialNumber: serialHex(options.serialNumber),
    notBefore,
    notAfter,
    extensions: await extensionsFor(options, keys, issuerPublicKey),
  };
}

async function extensionsFor(options: CertificateOptions, keys: CryptoKeyPair, issuerPublicKey: CryptoKey): Promise<x509.Extension[]> {
  const isCA = options.isCA ?? false;
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(isCA, isCA ? options.pathLength : undefined, true),
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- KeyUsageFlags is a bit set: an OR of flags is no single member
    new x509.KeyUsagesExtension(keyUsageFlags(options, keys), true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    // AKI lets OpenSSL pick the right issuer when two CAs share a name.
    await x509.AuthorityKeyIdentifierExtension.create(issuerPublicKey),
  ];
  if (options.extendedKeyUsage?.length) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension(
        options.extendedKeyUsage.map((u) => EKU_OIDS[u]),
        false,
      ),
    );
  }
  const san = options.san;
  const names: x509.JsonGeneralName[] = [
    ...(san?.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(san?.ip ?? []).map((value) => ({ type: 'ip' as const, value: sanIp(value) })),
    ...(san?.uri ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(san?.email ?? []).map((value) => ({ type: 'email' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  if (options.ocspUrl) extensions.push(new x509.AuthorityInfoAccessExtension({ ocsp: options.ocspUrl }, false));
  if (options.crlUrls?.length) extensions.push(new x509.CRLDistributionPointsExtension([...options.crlUrls], false));
  return extensions;
}

/** @peculiar/x509 misreads IPv4-embedded IPv6 text ("::ffff:192.0.2.1"); hand it the plain hex form. */
function sanIp(text: string): string {
  const canonical = canonicalIp(text);
  if (canonical === undefined) throw new Error(`san.ip: not an IP address: ${text}`);
  return canonical;
}

function keyUsageFlags(options: CertificateOptions, keys: CryptoKeyPair): number {
  const F = x509.KeyUsageFlags;
  if (options.keyUsage) return options.keyUsage.reduce((acc, name) => acc | F[name], 0);
  if (options.isCA) return F.keyCertSign | F.cRLSign | F.digitalSignature;
  // RSA TLS 1.2 key exchange needs keyEncipherment; ECDSA keys only sign.
  return keyAlgorithmOf(keys.publicKey) === 'rsa-2048' ? F.digitalSignature | F.keyEncipherment : F.digitalSignature;
}

function serialHex(serial: CertificateOptions['serialNumber']): string {
  if (serial === undefined) {
    // RFC 5280 section 4.1.2.2: positive, at most 20 octets; 64+ bits of randomness (CA/B BR 7.1).
    const bytes = randomBytes(16);
    bytes[0] = (bytes[0]! & 0x7f) | 0x01;
    return bytes.toString('hex');
  }
  const hex = typeof serial === 'string' ? serial.replace(/[:\s]/g, '') : BigInt(serial).toString(16);
  if (!/^[0-9a-fA-F]+$/.test(hex)) throw new Error(`serialNumber must be hex: ${String(serial)}`);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

function wrap(certificate: x509.X509Certificate, keys: CryptoKeyPair, issuer: IssuedCertificate | undefined): IssuedCertificate {
  const der = Buffer.from(certificate.rawData);
  return {
    certPem: certificate.toString('pem') + '\n',
    keyPem: privateKeyPem(keys.privateKey),
    der,
    x509: new NodeX509Certificate(der),
    certificate,
    keys,
    privateKey: keys.privateKey,
    keyAlgorithm: keyAlgorithmOf(keys.publicKey),
    ...(issuer ? { issuer } : {}),
  };
}
