// Over real TLS: listeners[].clientAuth.keyPolicy (issue 7, finding 7). OpenSSL's default
// security level accepts an RSA-1024 client key and any named curve; certgate refuses them with
// 401 CLIENT_CERT_INVALID and the reason, in every verify mode that looks at certificates
// (optional_no_ca included: a weak key is not an "unknown issuer" to tolerate).
import t from 'tap';
import https from 'node:https';
import tls from 'node:tls';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';
import { buildRawCertificate, type KeySpec, type RawCertificate } from '../helpers/raw-certificate.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
const listener = (name: string, clientAuth: string) => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: ${clientAuth}`;
const gw = await startTestGateway(
  dir,
  `
listeners:${listener('require', '{ mode: require, trustedCAs: [ca.pem] }')}${listener('optional', '{ mode: optional, trustedCAs: [ca.pem] }')}${listener('no_ca', '{ mode: optional_no_ca, trustedCAs: [ca.pem] }')}${listener('off', '{ mode: off }')}${listener('relaxed', '{ mode: require, trustedCAs: [ca.pem], keyPolicy: { rsaMinBits: 1024, ecCurves: [P-256, secp256k1], ed25519: false } }')}
upstreams:
  app:
    url: ${upstream.url}
routes:
  - name: app
    match: { pathPrefix: / }
    upstream: app
    clientCert: optional
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;

interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly error_description?: string;
}

function present(port: number, cert: RawCertificate, maxVersion?: 'TLSv1.2'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      // Security level 0 on the client: OpenSSL 3.5 (Node 24) will not even load an RSA-1024 key
      // at its default level 2, and the point is what the gateway does with one.
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path: '/k',
        ca,
        cert: cert.certPem,
        key: cert.keyPem,
        ciphers: 'DEFAULT:@SECLEVEL=0',
        agent: false,
        ...(maxVersion ? { maxVersion } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, ...(JSON.parse(body) as object) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Whether this runtime's OpenSSL, at its default security level, accepts an RSA-1024 end-entity key. */
function opensslAdmitsRsa1024(): boolean {
  try {
    tls.createSecureContext({ cert: rsa1024.certPem, key: rsa1024.keyPem });
    return true;
  } catch {
    return false;
  }
}

const issued = (key: KeySpec) => buildRawCertificate({ issuer: pki.rootCa, key });
const rsa1024 = issued({ type: 'rsa', bits: 1024 });
const rsa2048 = issued({ type: 'rsa', bits: 2048 });
const p256 = issued({ type: 'ec', curve: 'P-256' });
const p384 = issued({ type: 'ec', curve: 'P-384' });
const ed25519 = issued({ type: 'ed25519' });
const secp256k1 = issued({ type: 'ec', curve: 'secp256k1' });
const brainpool = issued({ type: 'ec', curve: 'brainpoolP256r1' });
// TLS 1.3 has no signature scheme for secp256k1 or (in Node's OpenSSL) brainpool client keys.
const TLS12 = 'TLSv1.2' as const;

t.test('default policy: RSA-1024 refused with the reason in every verify mode', async (t) => {
  for (const mode of ['require', 'optional', 'no_ca'] as const) {
    t.match(
      await present(gw.port(mode), rsa1024),
      {
        status: 401,
        code: 'CLIENT_CERT_INVALID',
        error_description: 'client key RSA 1024 bits is below the policy minimum 2048',
      },
      mode,
    );
  }
  t.match(await present(gw.port('off'), rsa1024), { status: 200 }, 'mode off asks for no certificate');
});

t.test('default policy: a self-signed RSA-1024 on optional_no_ca is a hard refusal, a self-signed P-256 passes', async (t) => {
  const weak = buildRawCertificate({ key: { type: 'rsa', bits: 1024 } });
  t.match(await present(gw.port('no_ca'), weak), { status: 401, code: 'CLIENT_CERT_INVALID', error_description: 'client key RSA 1024 bits is below the policy minimum 2048' });
  t.match(await present(gw.port('no_ca'), buildRawCertificate({ key: { type: 'ec', curve: 'P-256' } })), { status: 200 });
});

t.test('default policy: RSA-2048, P-256, P-384 and Ed25519 accepted', async (t) => {
  for (const [name, cert] of [
    ['RSA-2048', rsa2048],
    ['P-256', p256],
    ['P-384', p384],
    ['Ed25519', ed25519],
  ] as const) {
    t.match(await present(gw.port('require'), cert), { status: 200 }, name);
  }
});

t.test('default policy: secp256k1 and brainpoolP256r1 never get an answer from the upstream', async (t) => {
  // OpenSSL already refuses these in the handshake (the curve is not among the server's groups,
  // alert illegal_parameter), so no request is ever made; the policy's own verdict on them is
  // asserted in test/tls/key-policy.test.ts.
  const before = upstream.received.length;
  for (const [name, cert] of [
    ['secp256k1', secp256k1],
    ['brainpoolP256r1', brainpool],
  ] as const) {
    const answer: Answer & { error?: string } = await present(gw.port('require'), cert, TLS12).then(
      (a) => a,
      (e: unknown) => ({ status: 0, error: (e as Error).message }),
    );
    t.ok(answer.status === 0 || (answer.status === 401 && answer.code === 'CLIENT_CERT_INVALID'), `${name}: refused (${JSON.stringify(answer)})`);
  }
  t.equal(upstream.received.length, before, 'nothing forwarded');
});

t.test('default policy: P-521 accepted', async (t) => {
  t.match(await present(gw.port('require'), issued({ type: 'ec', curve: 'P-521' })), { status: 200 });
});

t.test('a configured policy: RSA-1024 admitted, Ed25519 and P-384 refused', async (t) => {
  if (opensslAdmitsRsa1024()) {
    t.match(await present(gw.port('relaxed'), rsa1024), { status: 200 });
  } else {
    // OpenSSL 3.5 (Node 24) verifies at security level 2 and refuses the key itself (EE_KEY_TOO_SMALL),
    // whatever keyPolicy says: a looser policy cannot admit what the TLS library refuses.
    t.match(await present(gw.port('relaxed'), rsa1024), { status: 401, code: 'CLIENT_CERT_INVALID' });
  }
  t.match(await present(gw.port('relaxed'), ed25519), { status: 401, code: 'CLIENT_CERT_INVALID', error_description: 'client key type Ed25519 is not allowed by the policy' });
  t.match(await present(gw.port('relaxed'), p384), {
    status: 401,
    code: 'CLIENT_CERT_INVALID',
    error_description: 'client key EC curve P-384 is not allowed by the policy (allowed: P-256, secp256k1)',
  });
  t.match(await present(gw.port('relaxed'), p256), { status: 200 });
});

t.test('refusals are logged with the reason and counted', async (t) => {
  const line = gw.logs.find((l) => l.event === 'client_cert_rejected' && l.reason === 'CLIENT_KEY_POLICY');
  t.ok(line, 'client_cert_rejected logged with reason CLIENT_KEY_POLICY');
  t.match(await gw.gateway.metrics.registry.metrics(), /certgate_client_cert_rejections_total\{code="CLIENT_CERT_INVALID"\} [1-9]/);
});
