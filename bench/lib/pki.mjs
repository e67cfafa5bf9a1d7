// The benchmark's throwaway PKI, made once with the openssl CLI under bench/results/pki/: an
// ECDSA P-256 CA and server certificate, client certificates with an EC P-256 and an RSA-2048 key.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function makePki(dir) {
  if (existsSync(join(dir, 'client-rsa.pem'))) return;
  mkdirSync(dir, { recursive: true });
  const openssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ext = (name, text) => writeFileSync(join(dir, name), text);
  ext('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  ext('server.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ext('client.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:bench-client.example\n');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca-key.pem',
    '-subj',
    '/CN=certgate bench CA',
    '-days',
    '3650',
    '-sha256',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const issue = (name, keyArgs, subj, extFile) => {
    openssl('genpkey', ...keyArgs, '-out', `${name}-key.pem`);
    openssl('req', '-new', '-key', `${name}-key.pem`, '-subj', subj, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '825',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      `${name}.pem`,
    );
  };
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  issue('server', ec, '/CN=localhost', 'server.ext');
  issue('client-ec', ec, '/CN=bench-client-ec/O=certgate bench', 'client.ext');
  issue('client-rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], '/CN=bench-client-rsa/O=certgate bench', 'client.ext');
}
