// Real certificates for the header tests, made at test time with the openssl CLI:
// root CA -> intermediate CA -> leaf whose subject holds , " ; = and a non-ASCII letter.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientIdentity } from '../../src/identity/types.js';

export interface CertFixtures {
  readonly root: X509Certificate;
  readonly intermediate: X509Certificate;
  readonly leaf: X509Certificate;
  /** PEM text exactly as OpenSSL wrote the leaf. */
  readonly leafPem: string;
  /** RFC 4514 form of the leaf subject (most significant RDN last in the DER, first here). */
  readonly leafSubjectDN: string;
  readonly leafDns: readonly string[];
  readonly leafUri: readonly string[];
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function key(dir: string, name: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
}

export function makeCertFixtures(): CertFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-headers-'));
  try {
    key(dir, 'root');
    openssl(dir, [
      'req',
      '-x509',
      '-key',
      'root.key',
      '-out',
      'root.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Test Root/O=Acme',
      '-addext',
      'basicConstraints=critical,CA:true',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    writeFileSync(join(dir, 'ca.cnf'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n');
    key(dir, 'int');
    openssl(dir, ['req', '-new', '-key', 'int.key', '-out', 'int.csr', '-subj', '/CN=Test Intermediate/O=Acme']);
    openssl(dir, ['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', '2', '-out', 'int.pem', '-days', '2', '-extfile', 'ca.cnf']);
    writeFileSync(join(dir, 'leaf.cnf'), 'subjectAltName=DNS:a.example,DNS:b.example,URI:spiffe://example.org/x;y=z\nbasicConstraints=CA:false\n');
    key(dir, 'leaf');
    openssl(dir, ['req', '-new', '-key', 'leaf.key', '-out', 'leaf.csr', '-utf8', '-subj', '/CN=Client, "Q"; a=b é/O=Acme']);
    openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-set_serial', '3', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.cnf']);
    const leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
    return {
      root: new X509Certificate(readFileSync(join(dir, 'root.pem'))),
      intermediate: new X509Certificate(readFileSync(join(dir, 'int.pem'))),
      leaf: new X509Certificate(leafPem),
      leafPem,
      leafSubjectDN: 'O=Acme,CN=Client\\, \\"Q\\"\\; a=b é',
      leafDns: ['a.example', 'b.example'],
      leafUri: ['spiffe://example.org/x;y=z'],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A verified identity for `f.leaf`, chain as OpenSSL builds it: intermediate, then root. */
export function identityFor(f: CertFixtures, overrides: Partial<ClientIdentity> = {}): ClientIdentity {
  const der = f.leaf.raw;
  return {
    certificate: {
      x509: f.leaf,
      der,
      x5tS256: createHash('sha256').update(der).digest('base64url'),
      subjectDN: f.leafSubjectDN,
      issuerDN: 'O=Acme,CN=Test Intermediate',
      serialNumber: '03',
      san: { dns: f.leafDns, uri: f.leafUri, email: [], ip: [] },
      notBefore: new Date(f.leaf.validFrom),
      notAfter: new Date(f.leaf.validTo),
    },
    chain: [f.intermediate, f.root],
    verify: 'SUCCESS',
    ...overrides,
  };
}
