// Test PKI for the config loader, made with the openssl CLI. (@peculiar/x509 would need a Reflect
// metadata polyfill that is not installed.) Keys come from node:crypto.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ecKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function write(dir: string, name: string, data: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

export interface CertOptions {
  /** Name (in `dir`) of the issuing CA; self-signed when absent. */
  readonly issuer?: string;
  readonly ca?: boolean;
  readonly dns?: string;
  /** Reuse an existing key file (in `dir`) instead of writing `${name}-key.pem`. */
  readonly keyFile?: string;
}

/** Writes `${name}.pem` (and `${name}-key.pem` unless opts.keyFile) into dir; returns the cert. */
function makeCert(dir: string, name: string, subject: string, opts: CertOptions = {}): X509Certificate {
  const keyPath = opts.keyFile ? join(dir, opts.keyFile) : write(dir, `${name}-key.pem`, ecKeyPem());
  const certPath = join(dir, `${name}.pem`);
  const args = ['req', '-x509', '-new', '-key', keyPath, '-subj', subject, '-days', '30', '-out', certPath];
  if (opts.issuer) args.push('-CA', join(dir, `${opts.issuer}.pem`), '-CAkey', join(dir, `${opts.issuer}-key.pem`));
  args.push('-addext', opts.ca ? 'basicConstraints=critical,CA:TRUE' : 'basicConstraints=critical,CA:FALSE');
  if (opts.ca) args.push('-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  if (opts.dns) args.push('-addext', `subjectAltName=DNS:${opts.dns}`);
  openssl(args);
  return new X509Certificate(readFileSync(certPath));
}

/** A CRL (PEM) issued by the CA `name` in dir, via `openssl ca -gencrl`. */
function makeCrlPem(dir: string, name: string): string {
  const db = mkdtempSync(join(dir, `crl-${name}-`));
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'crlnumber'), '01\n');
  const cnf = write(
    db,
    'ca.cnf',
    ['[ca]', 'default_ca = d', '[d]', `database = ${join(db, 'index.txt')}`, `crlnumber = ${join(db, 'crlnumber')}`, 'default_md = sha256', 'default_crl_days = 1', ''].join('\n'),
  );
  const out = join(db, 'out.crl');
  openssl(['ca', '-config', cnf, '-gencrl', '-cert', join(dir, `${name}.pem`), '-keyfile', join(dir, `${name}-key.pem`), '-out', out]);
  return readFileSync(out, 'utf8');
}

export interface TestPki {
  readonly dir: string;
  cleanup(): void;
}

/**
 * A fresh temp dir holding: ca.pem, intermediate-ca.pem, server.pem + server-key.pem,
 * other-key.pem, client.pem, ca.crl (PEM bundle of two CRLs), ca-der.crl, not-a-cert.pem,
 * broken.pem, ed25519.pem, ed25519.jwk, p256.pem, p384.pem, hmac.key (base64 text),
 * hmac-raw.key, short-hmac.key, password.txt.
 */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-config-'));
  makeCert(dir, 'ca', '/O=certgate tests/CN=Test Root CA', { ca: true });
  makeCert(dir, 'intermediate-ca', '/O=certgate tests/CN=Test Intermediate CA', { ca: true, issuer: 'ca' });
  makeCert(dir, 'server', '/CN=localhost', { issuer: 'ca', dns: 'localhost' });
  makeCert(dir, 'client', '/O=Client/CN=client.example.org', { issuer: 'intermediate-ca' });
  write(dir, 'other-key.pem', ecKeyPem());
  const crl = makeCrlPem(dir, 'ca');
  write(dir, 'ca.crl', `${crl}${makeCrlPem(dir, 'intermediate-ca')}`);
  write(dir, 'ca-der.crl', Buffer.from(crl.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64'));
  write(dir, 'not-a-cert.pem', 'this is not a certificate\n');
  write(dir, 'broken.pem', '-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----\n');
  const ed = generateKeyPairSync('ed25519');
  write(dir, 'ed25519.pem', ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  write(dir, 'ed25519.jwk', JSON.stringify(ed.privateKey.export({ format: 'jwk' })));
  write(dir, 'p256.pem', ecKeyPem());
  write(dir, 'p384.pem', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  // First byte fixed: random base64 starting with '0' (0x30, a DER SEQUENCE tag) would be read as
  // DER by the private-key loader, 1 run in 64, and give another (also correct) refusal message.
  write(dir, 'hmac.key', `${Buffer.concat([Buffer.from([0x01]), randomBytes(31)]).toString('base64')}\n`);
  write(dir, 'hmac-raw.key', Buffer.concat([Buffer.from([0xff, 0x00]), randomBytes(40)]));
  write(dir, 'short-hmac.key', randomBytes(16).toString('base64'));
  write(dir, 'password.txt', 's3cret-from-file\n');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A PEM bundle of `count` self-signed CA certificates whose subjects are about 4.4 KB each
 * (60 OUs of 64 characters), all on one key: 16 of them pass the 64 KiB CA-name limit, which
 * with ordinary subjects would take ~750 CAs.
 */
export function bigSubjectCaBundle(dir: string, count: number): string {
  const keyFile = 'bulk-key.pem';
  write(dir, keyFile, ecKeyPem());
  const ous = Array.from({ length: 60 }, (_, i) => `/OU=${String(i).padStart(2, '0')}${'x'.repeat(62)}`).join('');
  const pems: string[] = [];
  for (let i = 0; i < count; i++) {
    makeCert(dir, `bulk-${i}`, `/CN=Bulk CA ${i}${ous}`, { ca: true, keyFile });
    pems.push(readFileSync(join(dir, `bulk-${i}.pem`), 'utf8'));
  }
  return pems.join('');
}

/** 1-based line of the first line of `text` containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i === -1) throw new Error(`'${needle}' not in text`);
  return i + 1;
}

/** A valid listener block (2-space list indent) using the test PKI's files; for building configs. */
export const LISTENER = `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth:
      trustedCAs: [ca.pem]
`;

export const UPSTREAM_AND_ROUTE = `upstreams:
  echo:
    url: http://127.0.0.1:9080
routes:
  - name: all
    upstream: echo
`;
