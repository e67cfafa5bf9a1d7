// The development PKI of `certgate pki` and `certgate demo`: two CAs (client side and upstream
// side), the certificates the demo and the docs use, a CRL, and the header-signing key.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as pkijs from 'pkijs';
import { chainPem, createCA, createSelfSigned, issueCertificate, type IssuedCertificate } from './certificate-factory.js';
import { createCrl } from './crl-factory.js';
import { DEV_PKI_FILE_TABLE, DEV_PKI_FILES, devPkiReadme } from './dev-pki-files.js';

export { DEV_PKI_FILES } from './dev-pki-files.js';

export interface DevPki {
  /** Absolute path of the directory written. */
  readonly dir: string;
  /** Absolute path of every file, by file name (e.g. paths['client-key.pem']). */
  readonly paths: Readonly<Record<string, string>>;
}

const LOCALHOST = { dns: ['localhost'], ip: ['127.0.0.1', '::1'] };
export const DEV_CLIENT_SUBJECT = 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP';

/** Generate a fresh dev PKI into `outDir` (created if needed), overwriting what is there. */
export async function writeDevPki(outDir: string): Promise<DevPki> {
  const dir = resolve(outDir);
  const contents = await generateDevPki();
  await mkdir(dir, { recursive: true });
  const secret = new Set(DEV_PKI_FILE_TABLE.filter((f) => f.secret).map((f) => f.name));
  const paths: Record<string, string> = {};
  for (const name of DEV_PKI_FILES) {
    const path = join(dir, name);
    const mode = secret.has(name) ? 0o600 : 0o644;
    await writeFile(path, contents[name]!, { mode });
    // `mode` applies only when the file is created; an overwritten key keeps its old mode otherwise.
    await chmod(path, mode);
    paths[name] = path;
  }
  return { dir, paths };
}

/**
 * True when `dir` holds every dev PKI file and none of its certificates has expired, i.e. when
 * `certgate demo` can use it as it is.
 */
export async function hasDevPki(dir: string, now: Date = new Date()): Promise<boolean> {
  for (const name of DEV_PKI_FILES) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return false;
    if (name.endsWith('.crl') && !(await crlFresh(path, now))) return false;
    if (name.endsWith('.pem') && !name.endsWith('-key.pem') && name !== 'header-signing-ed25519.pem') {
      const pem = await readFile(path, 'utf8');
      const first = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
      if (!first) return false;
      if (new Date(new X509Certificate(first[0]).validTo).getTime() <= now.getTime()) return false;
    }
  }
  return true;
}

async function crlFresh(path: string, now: Date): Promise<boolean> {
  try {
    const pem = await readFile(path, 'utf8');
    const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const nextUpdate = pkijs.CertificateRevocationList.fromBER(der).nextUpdate?.value;
    return nextUpdate !== undefined && nextUpdate.getTime() > now.getTime();
  } catch {
    return false;
  }
}

/** The dev PKI as file name -> contents, without touching the disk. */
async function generateDevPki(): Promise<Record<string, string>> {
  const ca = await createCA({ subject: 'CN=certgate Dev Root CA,O=certgate dev' });
  const intermediate = await issueCertificate(ca, {
    subject: 'CN=certgate Dev Intermediate CA,O=certgate dev',
    isCA: true,
    pathLength: 0,
  });
  const upstreamCa = await createCA({ subject: 'CN=certgate Dev Upstream CA,O=certgate dev' });

  const [server, client, clientIntermediate, clientRevoked, selfSigned, ocspResponder, gatewayClient, upstreamServer] = await Promise.all([
    issueCertificate(ca, { subject: 'CN=localhost,O=certgate dev', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
    issueCertificate(ca, clientOptions(DEV_CLIENT_SUBJECT, 'client.example.org')),
    issueCertificate(intermediate, clientOptions('CN=client-intermediate.example.org,O=Client', 'client-intermediate.example.org')),
    issueCertificate(ca, clientOptions('CN=revoked.example.org,O=Client', 'revoked.example.org')),
    createSelfSigned(clientOptions('CN=self-signed.example.org,O=Nobody', 'self-signed.example.org')),
    issueCertificate(ca, { subject: 'CN=certgate Dev OCSP Responder,O=certgate dev', extendedKeyUsage: ['OCSPSigning'] }),
    issueCertificate(upstreamCa, { subject: 'CN=certgate gateway,O=certgate dev', extendedKeyUsage: ['clientAuth'] }),
    issueCertificate(upstreamCa, { subject: 'CN=localhost,O=certgate dev upstream', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
  ]);
  // As long-lived as the leaves, so a demo left alone for a week does not fail closed on a stale CRL.
  const nextUpdate = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000);
  const [crl, intermediateCrl] = await Promise.all([
    createCrl(ca, { revoked: [{ serialNumber: clientRevoked.x509.serialNumber }], nextUpdate }),
    // Empty, but present: a listener checking leaves issued by the intermediate needs its CRL.
    createCrl(intermediate, { revoked: [], nextUpdate }),
  ]);
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

  return {
    ...pair('ca', ca),
    'ca.crl': crl.pem,
    ...pair('intermediate-ca', intermediate),
    'intermediate-ca.crl': intermediateCrl.pem,
    ...pair('server', server),
    ...pair('client', client),
    ...pair('client-intermediate', clientIntermediate, chainPem(clientIntermediate)),
    ...pair('client-revoked', clientRevoked),
    ...pair('self-signed-client', selfSigned),
    ...pair('ocsp-responder', ocspResponder),
    ...pair('gateway-client', gatewayClient),
    ...pair('upstream-ca', upstreamCa),
    ...pair('upstream-server', upstreamServer),
    'header-signing-ed25519.pem': signingKey,
    'README.md': devPkiReadme(),
  };
}

function clientOptions(subject: string, dns: string) {
  return { subject, san: { dns: [dns] }, extendedKeyUsage: ['clientAuth' as const] };
}

function pair(base: string, cert: IssuedCertificate, certPem = cert.certPem): Record<string, string> {
  return { [`${base}.pem`]: certPem, [`${base}-key.pem`]: cert.keyPem };
}
