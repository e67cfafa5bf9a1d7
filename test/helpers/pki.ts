// Real certificates for tests, made at test time by src/pki (no fixtures on disk, no openssl CLI).
//
//   import { makeTestPki, writeTestPki } from '../helpers/pki.js';
//   const pki = await makeTestPki();           // in memory; memoized per process
//   tls.createServer({ cert: pki.server.certPem, key: pki.server.keyPem,
//                      ca: pki.rootCa.certPem, requestCert: true, rejectUnauthorized: false });
//   tls.connect({ cert: pki.client.certPem, key: pki.client.keyPem, ca: pki.rootCa.certPem, ... });
//
//   const files = await writeTestPki(dir);     // the same set as PEM files, for config tests
//   files.client.cert, files.client.key, files.clientViaIntermediate.chain, files.crl
//
// Every certificate is an IssuedCertificate: certPem, keyPem (PKCS#8), der, x509 (node:crypto),
// privateKey (WebCrypto, to sign more certificates, CRLs or OCSP responses) and issuer.
// Need something else (a client with AIA pointing at your test responder's port)? Call
// issueCertificate(pki.rootCa, { ..., ocspUrl }) from src/pki/certificate-factory.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chainPem, createCA, createSelfSigned, issueCertificate, type CertificateOptions, type IssuedCertificate } from '../../src/pki/certificate-factory.js';
import { createCrl, type IssuedCrl } from '../../src/pki/crl-factory.js';

export type { IssuedCertificate } from '../../src/pki/certificate-factory.js';

/** Subject of `client` and `clientRsa`, as describeCertificate prints it. */
export const CLIENT_SUBJECT = 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP';

export interface TestPki {
  /** "CN=certgate Test Root CA": the trust anchor for every client and the server. */
  readonly rootCa: IssuedCertificate;
  /** Issued by rootCa, pathlen 0. Not in any trust store: clients must send it (chainPem). */
  readonly intermediateCa: IssuedCertificate;
  /** Issued by rootCa: SAN localhost, 127.0.0.1, ::1; EKU serverAuth. */
  readonly server: IssuedCertificate;
  /** EC P-256, CLIENT_SUBJECT, SAN dns client.example.org, uri spiffe://example.org/client, email client@example.org, ip 192.0.2.10 and 2001:db8::10; EKU clientAuth. */
  readonly client: IssuedCertificate;
  /** RSA-2048, CLIENT_SUBJECT, SAN dns client-rsa.example.org; EKU clientAuth. */
  readonly clientRsa: IssuedCertificate;
  /** Expired yesterday (valid from 10 days ago): CERT_HAS_EXPIRED. */
  readonly clientExpired: IssuedCertificate;
  /** Valid from tomorrow: CERT_NOT_YET_VALID. */
  readonly clientNotYetValid: IssuedCertificate;
  /** A CA nobody trusts, and a client it issued: UNABLE_TO_VERIFY_LEAF_SIGNATURE / UNABLE_TO_GET_ISSUER_CERT_LOCALLY. */
  readonly unknownCa: IssuedCertificate;
  readonly clientUnknownCa: IssuedCertificate;
  /** Issued by intermediateCa; present `chainPem(clientViaIntermediate)` (leaf + intermediate). */
  readonly clientViaIntermediate: IssuedCertificate;
  /** rootCa -> deepChain.int1 -> deepChain.int2 -> deepChain.client: two CAs between leaf and anchor, longer than verifyDepth 1. */
  readonly deepChain: {
    readonly int1: IssuedCertificate;
    readonly int2: IssuedCertificate;
    readonly client: IssuedCertificate;
  };
  /** Issued by rootCa with EKU serverAuth only: INVALID_PURPOSE as a client certificate. */
  readonly clientServerAuthOnly: IssuedCertificate;
  /** Self-signed, EKU clientAuth: DEPTH_ZERO_SELF_SIGNED_CERT. */
  readonly clientSelfSigned: IssuedCertificate;
  /** Issued by rootCa, listed in `crl`. */
  readonly clientRevoked: IssuedCertificate;
  /** CRL of rootCa, valid for 7 days, listing clientRevoked. */
  readonly crl: IssuedCrl;
  /** Issued by rootCa with EKU OCSPSigning: a delegated OCSP responder. */
  readonly ocspResponder: IssuedCertificate;
  /** "CN=certgate gateway": the gateway's client certificate towards upstreams, issued by upstreamCa. */
  readonly gatewayClient: IssuedCertificate;
  /** A separate CA for the upstream side. */
  readonly upstreamCa: IssuedCertificate;
  /** Issued by upstreamCa: SAN localhost, 127.0.0.1, ::1; EKU serverAuth. */
  readonly upstreamServer: IssuedCertificate;
}

const DAY = 24 * 60 * 60 * 1000;
const LOCALHOST = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };

function clientAuth(subject: string, extra: Partial<CertificateOptions> = {}): CertificateOptions {
  return { subject, extendedKeyUsage: ['clientAuth'], ...extra };
}

async function buildTestPki(): Promise<TestPki> {
  const now = Date.now();
  const rootCa = await createCA({ subject: 'CN=certgate Test Root CA,O=certgate test' });
  const [intermediateCa, unknownCa, upstreamCa, int1] = await Promise.all([
    issueCertificate(rootCa, { subject: 'CN=certgate Test Intermediate CA,O=certgate test', isCA: true, pathLength: 0 }),
    createCA({ subject: 'CN=Unknown CA,O=Elsewhere' }),
    createCA({ subject: 'CN=certgate Test Upstream CA,O=certgate test' }),
    issueCertificate(rootCa, { subject: 'CN=Deep Intermediate 1,O=certgate test', isCA: true }),
  ]);
  const int2 = await issueCertificate(int1, { subject: 'CN=Deep Intermediate 2,O=certgate test', isCA: true });

  const [
    server,
    client,
    clientRsa,
    clientExpired,
    clientNotYetValid,
    clientUnknownCa,
    clientViaIntermediate,
    deepClient,
    clientServerAuthOnly,
    clientSelfSigned,
    clientRevoked,
    ocspResponder,
    gatewayClient,
    upstreamServer,
  ] = await Promise.all([
    issueCertificate(rootCa, { subject: 'CN=localhost,O=certgate test', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
    issueCertificate(
      rootCa,
      clientAuth(CLIENT_SUBJECT, {
        san: {
          dns: ['client.example.org'],
          uri: ['spiffe://example.org/client'],
          email: ['client@example.org'],
          ip: ['192.0.2.10', '2001:db8::10'],
        },
      }),
    ),
    issueCertificate(rootCa, clientAuth(CLIENT_SUBJECT, { keyAlgorithm: 'rsa-2048', san: { dns: ['client-rsa.example.org'] } })),
    issueCertificate(
      rootCa,
      clientAuth('CN=expired.example.org,O=Client', {
        notBefore: new Date(now - 10 * DAY),
        notAfter: new Date(now - DAY),
      }),
    ),
    issueCertificate(
      rootCa,
      clientAuth('CN=not-yet-valid.example.org,O=Client', {
        notBefore: new Date(now + DAY),
        notAfter: new Date(now + 10 * DAY),
      }),
    ),
    issueCertificate(unknownCa, clientAuth('CN=stranger.example.org,O=Elsewhere', { san: { dns: ['client.example.org'] } })),
    issueCertificate(intermediateCa, clientAuth('CN=client-intermediate.example.org,O=Client', { san: { dns: ['client-intermediate.example.org'] } })),
    issueCertificate(int2, clientAuth('CN=deep.example.org,O=Client')),
    issueCertificate(rootCa, { subject: 'CN=server-auth-only.example.org,O=Client', extendedKeyUsage: ['serverAuth'] }),
    createSelfSigned(clientAuth(CLIENT_SUBJECT, { san: { dns: ['client.example.org'] } })),
    issueCertificate(rootCa, clientAuth('CN=revoked.example.org,O=Client')),
    issueCertificate(rootCa, { subject: 'CN=certgate Test OCSP Responder,O=certgate test', extendedKeyUsage: ['OCSPSigning'] }),
    issueCertificate(upstreamCa, clientAuth('CN=certgate gateway,O=certgate test')),
    issueCertificate(upstreamCa, { subject: 'CN=localhost,O=certgate test upstream', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
  ]);
  const crl = await createCrl(rootCa, { revoked: [{ serialNumber: clientRevoked.x509.serialNumber }] });

  return {
    rootCa,
    intermediateCa,
    server,
    client,
    clientRsa,
    clientExpired,
    clientNotYetValid,
    unknownCa,
    clientUnknownCa,
    clientViaIntermediate,
    deepChain: { int1, int2, client: deepClient },
    clientServerAuthOnly,
    clientSelfSigned,
    clientRevoked,
    crl,
    ocspResponder,
    gatewayClient,
    upstreamCa,
    upstreamServer,
  };
}

let shared: Promise<TestPki> | undefined;

/** The test PKI, generated once per test process (about 100 ms, mostly the RSA key). */
export function makeTestPki(): Promise<TestPki> {
  shared ??= buildTestPki();
  return shared;
}

export interface CertificatePaths {
  readonly cert: string;
  readonly key: string;
  /** The certificate followed by its intermediates (not the root): what a TLS peer presents. */
  readonly chain: string;
}

type CertificateNames = Exclude<keyof TestPki, 'deepChain' | 'crl'>;

export type TestPkiPaths = { readonly dir: string; readonly crl: string } & {
  readonly [K in CertificateNames]: CertificatePaths;
} & { readonly deepChain: { readonly int1: CertificatePaths; readonly int2: CertificatePaths; readonly client: CertificatePaths } };

/**
 * Write the test PKI to `dir` as `<name>.pem`, `<name>-key.pem`, `<name>-chain.pem` (deep chain
 * members as `deepChain-int1.pem`...) and `crl.pem`; returns the paths.
 */
export async function writeTestPki(dir: string): Promise<TestPkiPaths> {
  const pki = await makeTestPki();
  await mkdir(dir, { recursive: true });
  const write = async (name: string, cert: IssuedCertificate): Promise<CertificatePaths> => {
    const paths = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`), chain: join(dir, `${name}-chain.pem`) };
    await writeFile(paths.cert, cert.certPem);
    await writeFile(paths.key, cert.keyPem, { mode: 0o600 });
    await writeFile(paths.chain, chainPem(cert));
    return paths;
  };
  const entries: Record<string, CertificatePaths> = {};
  for (const [name, value] of Object.entries(pki)) {
    if (name === 'deepChain' || name === 'crl') continue;
    entries[name] = await write(name, value as IssuedCertificate);
  }
  const crl = join(dir, 'crl.pem');
  await writeFile(crl, pki.crl.pem);
  const deepChain = {
    int1: await write('deepChain-int1', pki.deepChain.int1),
    int2: await write('deepChain-int2', pki.deepChain.int2),
    client: await write('deepChain-client', pki.deepChain.client),
  };
  return { ...(entries as Record<CertificateNames, CertificatePaths>), dir, crl, deepChain };
}
