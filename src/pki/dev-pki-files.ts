// What `certgate pki` writes: every file, what it is for, and the README.md that explains them.

export interface DevPkiFile {
  readonly name: string;
  readonly description: string;
  /** Private keys are written with mode 0600. */
  readonly secret: boolean;
}

export const DEV_PKI_FILE_TABLE: readonly DevPkiFile[] = [
  {
    name: 'ca.pem',
    secret: false,
    description: 'Root CA ("CN=certgate Dev Root CA"). The gateway trusts it for client certificates (`clientAuth.trustedCAs`); curl trusts it for the gateway (`--cacert`).',
  },
  { name: 'ca-key.pem', secret: true, description: 'Private key of the root CA.' },
  { name: 'ca.crl', secret: false, description: 'CRL of the root CA, valid 1 year; lists client-revoked.pem (`revocation.crl.files`).' },
  { name: 'intermediate-ca.pem', secret: false, description: 'Intermediate CA issued by the root (pathlen 0).' },
  { name: 'intermediate-ca-key.pem', secret: true, description: 'Private key of the intermediate CA.' },
  {
    name: 'intermediate-ca.crl',
    secret: false,
    description: 'CRL of the intermediate CA, valid 1 year, empty: with it a listener checking revocation admits client-intermediate.pem.',
  },
  { name: 'server.pem', secret: false, description: 'Gateway server certificate, issued by the root: SAN localhost, 127.0.0.1, ::1; EKU serverAuth.' },
  { name: 'server-key.pem', secret: true, description: 'Private key of server.pem.' },
  {
    name: 'client.pem',
    secret: false,
    description: 'Client certificate issued by the root: "CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP", SAN DNS client.example.org, EKU clientAuth.',
  },
  { name: 'client-key.pem', secret: true, description: 'Private key of client.pem.' },
  {
    name: 'client-intermediate.pem',
    secret: false,
    description:
      'Client certificate issued by the intermediate CA ("CN=client-intermediate.example.org"), followed by intermediate-ca.pem: present the whole file and a gateway trusting only ca.pem accepts it.',
  },
  { name: 'client-intermediate-key.pem', secret: true, description: 'Private key of client-intermediate.pem.' },
  { name: 'client-revoked.pem', secret: false, description: 'Client certificate issued by the root ("CN=revoked.example.org") and listed in ca.crl.' },
  { name: 'client-revoked-key.pem', secret: true, description: 'Private key of client-revoked.pem.' },
  { name: 'self-signed-client.pem', secret: false, description: 'Self-signed client certificate ("CN=self-signed.example.org"): no trusted CA issued it.' },
  { name: 'self-signed-client-key.pem', secret: true, description: 'Private key of self-signed-client.pem.' },
  { name: 'ocsp-responder.pem', secret: false, description: 'Delegated OCSP responder certificate issued by the root, EKU OCSPSigning.' },
  { name: 'ocsp-responder-key.pem', secret: true, description: 'Private key of ocsp-responder.pem.' },
  {
    name: 'gateway-client.pem',
    secret: false,
    description: "The gateway's own client certificate for mTLS to upstreams (`upstreams.*.tls.cert`), issued by upstream-ca.pem, EKU clientAuth.",
  },
  { name: 'gateway-client-key.pem', secret: true, description: 'Private key of gateway-client.pem.' },
  {
    name: 'upstream-ca.pem',
    secret: false,
    description: 'A separate CA for the upstream side: the gateway trusts it for https upstreams (`upstreams.*.tls.ca`), upstreams trust it for gateway-client.pem.',
  },
  { name: 'upstream-ca-key.pem', secret: true, description: 'Private key of upstream-ca.pem.' },
  {
    name: 'upstream-server.pem',
    secret: false,
    description: 'Server certificate for an https upstream, issued by upstream-ca.pem: SAN localhost, 127.0.0.1, ::1; EKU serverAuth.',
  },
  { name: 'upstream-server-key.pem', secret: true, description: 'Private key of upstream-server.pem.' },
  { name: 'header-signing-ed25519.pem', secret: true, description: 'Ed25519 PKCS#8 private key for RFC 9421 signatures on forwarded requests (`upstreams.*.signature.keyFile`).' },
  { name: 'README.md', secret: false, description: 'This file.' },
];

/** Every file name `writeDevPki` writes, README.md included. */
export const DEV_PKI_FILES: readonly string[] = DEV_PKI_FILE_TABLE.map((f) => f.name);

export function devPkiReadme(): string {
  const rows = DEV_PKI_FILE_TABLE.map((f) => `| \`${f.name}\` | ${f.description}${f.secret ? ' (mode 0600)' : ''} |`);
  return [
    '# Development PKI',
    '',
    'Written by `certgate pki [--out DIR]` (and by `certgate demo` when absent). For development and',
    'tests only: every private key is here, unencrypted. Regenerate any time; nothing refers to a',
    'particular key. All keys are EC P-256 except the Ed25519 header-signing key. CAs are valid 10',
    'years, leaves and the CRLs 1 year; `certgate demo` regenerates the set when any of them has expired.',
    '',
    '| file | what it is |',
    '| --- | --- |',
    ...rows,
    '',
    'Try it (`npm start`: gateway on https://localhost:8443):',
    '',
    '```sh',
    'curl --cacert certs/ca.pem --cert certs/client.pem --key certs/client-key.pem https://localhost:8443/',
    'curl --cacert certs/ca.pem --cert certs/client-revoked.pem --key certs/client-revoked-key.pem https://localhost:8443/  # 401 CLIENT_CERT_REVOKED',
    '```',
    '',
  ].join('\n');
}
