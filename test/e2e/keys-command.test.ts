// `certgate keys --config FILE` as a user runs it (the built CLI in a child process): it prints the
// same JWKS the admin listener serves, and those keys verify what the running gateway forwards.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importJwks, verifyForwardedRequest } from 'certgate/verify';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir, writeFiles } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';

const run = promisify(execFile);

async function certgate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const pki = await makeTestPki();
const dir = await tempDir('certgate-keys-');
const pem = (k: import('node:crypto').KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }) as string;
const hmacSecret = randomBytes(48).toString('base64');
const files: Record<string, string> = {
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'ca.pem': pki.rootCa.certPem,
  'ed25519.pem': pem(generateKeyPairSync('ed25519').privateKey),
  'p256.pem': pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
  'hmac.key': hmacSecret,
};
await writeFiles(dir, files);

const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  idp:
    url: ${upstream.url}
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: certgate-2026-11 }
  # The same key for a second upstream is published once.
  idp2:
    url: ${upstream.url}
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: certgate-2026-11 }
  api:
    url: ${upstream.url}
    signature: { alg: ecdsa-p256-sha256, keyFile: p256.pem, keyId: api-2026-11 }
  internal:
    url: ${upstream.url}
    signature: { alg: hmac-sha256, keyFile: hmac.key, keyId: shared-1 }
routes:
  - { name: idp, match: { pathPrefix: /idp/ }, upstream: idp }
  - { name: api, match: { pathPrefix: /api/ }, upstream: api }
  - { name: internal, match: { pathPrefix: / }, upstream: internal }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});
const configFile = path.join(dir, 'gateway.yaml');

t.test('keys --config prints the JWKS the admin endpoint serves', async (t) => {
  const cli = await certgate(['keys', '--config', configFile]);
  t.equal(cli.code, 0, cli.stderr);
  const printed = JSON.parse(cli.stdout) as { keys: Array<Record<string, unknown>> };
  const served = await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/.well-known/certgate-keys`);
  t.equal(served.headers.get('content-type'), 'application/jwk-set+json');
  t.same(printed, await served.json(), 'identical key sets');
  t.same(
    printed.keys.map((k) => k.kid),
    ['certgate-2026-11', 'api-2026-11'],
    'one JWK per keyId, HMAC never published',
  );
  t.notOk(cli.stdout.includes(hmacSecret) || cli.stdout.includes(Buffer.from(hmacSecret, 'base64').toString('base64url')), 'no secret printed');
  t.notOk(
    printed.keys.some((k) => 'd' in k),
    'no private members',
  );

  // What an operator does with it: load the printed JWKS into certgate/verify.
  const keys = importJwks(printed);
  for (const p of ['/idp/token', '/api/orders?page=2']) {
    const res = await mtlsRequest({ port: gw.port(), ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem, path: p });
    t.equal(res.status, 200);
    const r = upstream.received.at(-1)!;
    const id = verifyForwardedRequest({ method: r.method, url: r.url, headers: r.headers }, { keys, maxAge: 30 });
    t.same(Buffer.from(id.certificate!.der), pki.client.der, `${p}: verified with the printed keys`);
  }
});

t.test('keys without --config exits 1 with usage', async (t) => {
  const res = await certgate(['keys']);
  t.equal(res.code, 1);
  t.match(res.stderr, /--config FILE is required/);
  t.equal(res.stdout, '');
});

t.test('keys with a broken config exits 1 and names the problem', async (t) => {
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, (await readFile(configFile, 'utf8')).replace('keyFile: p256.pem', 'keyFile: missing.pem'));
  const res = await certgate(['keys', '--config', bad]);
  t.equal(res.code, 1);
  t.match(res.stderr + res.stdout, /missing\.pem/);
  t.match(res.stderr + res.stdout, /upstreams\.api\.signature\.keyFile/);
});

t.test('keys for a config without signing prints an empty JWKS', async (t) => {
  const plain = path.join(dir, 'plain.yaml');
  await writeFile(
    plain,
    `listeners:
  - { name: main, listen: 127.0.0.1:0, tls: { cert: server.pem, key: server-key.pem }, clientAuth: { mode: require, trustedCAs: [ca.pem] } }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
  );
  const res = await certgate(['keys', '--config', plain]);
  t.equal(res.code, 0, res.stderr);
  t.same(JSON.parse(res.stdout), { keys: [] });
});
