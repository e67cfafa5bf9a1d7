// Every config in config/examples/ is a working starting point: with a fresh dev PKI laid out
// as the repository's (certs/ next to config/), each passes the real config loader with no error
// and no warning, and `certgate check` accepts it. So does the demo's config/gateway.yaml.
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkConfig } from '../../src/config/load-config.js';
import { writeDevPki } from '../../src/pki/dev-pki.js';
import { tempDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';

const run = promisify(execFile);
const EXAMPLES = fileURLToPath(new URL('../../config/examples/', import.meta.url));
const DEMO_CONFIG = fileURLToPath(new URL('../../config/gateway.yaml', import.meta.url));
// Secrets the examples take from the environment (documented in each file's header).
const root = await tempDir('certgate-examples-');
const hmacKey = path.join(root, 'api-hmac.key');
await writeFile(hmacKey, randomBytes(32).toString('base64'));
const ENV = { CURITY_PROXY_PASSWORD: 'example-only-password', CERTGATE_API_HMAC_KEY: hmacKey, CERTGATE_INTROSPECTION_SECRET: 'example-only-secret' };

// The repository layout: <root>/certs (dev PKI) and <root>/config/examples/*.yaml, so each
// example's `../../certs/...` resolves exactly as it does in a checkout after `certgate pki`.
await writeDevPki(path.join(root, 'certs'));
const dir = path.join(root, 'config', 'examples');
await mkdir(dir, { recursive: true });
const names = (await readdir(EXAMPLES)).filter((n) => n.endsWith('.yaml')).sort();
for (const n of names) await copyFile(path.join(EXAMPLES, n), path.join(dir, n));
const demoConfig = path.join(root, 'config', 'gateway.yaml');
await copyFile(DEMO_CONFIG, demoConfig);

t.test('one example per consumer', async (t) => {
  for (const n of ['curity', 'keycloak-nginx', 'keycloak-rfc9440', 'keycloak-envoy', 'authlete', 'oidc-provider', 'api-backend']) {
    t.ok(names.includes(`${n}.yaml`), `${n}.yaml`);
  }
});

for (const n of names) {
  t.test(`${n} loads with no error and no warning`, async (t) => {
    const r = await checkConfig(path.join(dir, n), { env: { ...ENV } });
    t.same(r.errors, [], 'no errors');
    t.same(r.warnings, [], 'no warnings');
    t.ok(r.config, 'a config');
  });
}

t.test('the consumer-facing settings the docs promise', async (t) => {
  const load = async (n: string) => (await checkConfig(path.join(dir, `${n}.yaml`), { env: { ...ENV } })).config!;
  const cc = async (n: string, upstream: string) => (await load(n)).upstreams.get(upstream)!.clientCert;
  t.match(await cc('curity', 'curity'), { header: 'X-Client-SSL-Cert', format: 'pem-urlencoded' });
  t.match(await cc('keycloak-nginx', 'keycloak'), { header: 'ssl-client-cert', format: 'pem-urlencoded' });
  t.match(await cc('keycloak-rfc9440', 'keycloak'), { header: 'Client-Cert', format: 'rfc9440', chainHeader: 'Client-Cert-Chain' });
  t.match(await cc('keycloak-envoy', 'keycloak'), { header: 'X-Forwarded-Client-Cert', format: 'xfcc' });
  t.match(await cc('authlete', 'authlete'), { header: 'Client-Cert', format: 'rfc9440', chainHeader: 'Client-Cert-Chain' });
  t.match(await cc('authlete', 'authlete-xssl'), { header: 'X-Ssl-Cert', format: 'pem-urlencoded' });
  const oidc = await load('oidc-provider');
  t.match(oidc.upstreams.get('as')!.signature, { alg: 'ed25519', keyId: 'certgate-dev-1' });
  t.equal(oidc.listeners[0]!.clientAuth.mode, 'optional_no_ca', 'self_signed_tls_client_auth needs optional_no_ca');
  const api = await load('api-backend');
  t.match(api.upstreams.get('backend')!.signature, { alg: 'hmac-sha256', keyId: 'api-hmac-1' });
  t.ok(
    api.routes.every((r) => r.allow !== undefined),
    'every API route has allow rules',
  );
});

t.test('certgate check accepts every example (the documented command)', async (t) => {
  for (const n of names) {
    const { stdout } = await run(process.execPath, [CLI, 'check', '--config', path.join(dir, n)], { env: { ...process.env, ...ENV } });
    t.match(stdout, /config OK/, n);
  }
});

t.test('without its environment variable an example fails and names the variable', async (t) => {
  const r = await checkConfig(path.join(dir, 'api-backend.yaml'), { env: {} });
  t.equal(r.errors.length, 1, JSON.stringify(r.errors));
  t.match(r.errors[0]!.message, /CERTGATE_API_HMAC_KEY/);
});

t.test('an example route with tokenBinding passes check; the old reserved shape is refused by key', async (t) => {
  const text = await readFile(path.join(dir, 'api-backend.yaml'), 'utf8');
  const jwt = '{ jwt: { issuer: https://as.example.com, jwksUri: https://as.example.com/jwks, audiences: [api] } }';
  const withBinding = text.replace('    upstream: backend\n', `    upstream: backend\n    tokenBinding: ${jwt}\n`);
  t.not(withBinding, text);
  const file = path.join(dir, 'api-backend-token-binding.yaml');
  await writeFile(file, withBinding);
  t.same((await checkConfig(file, { env: { ...ENV } })).errors, []);
  const oldShape = text.replace('    upstream: backend\n', '    upstream: backend\n    tokenBinding: { jwks: https://as.example.com/jwks, issuer: https://as.example.com }\n');
  await writeFile(file, oldShape);
  const r = await checkConfig(file, { env: { ...ENV } });
  t.match(r.errors, [
    { key: 'routes[0].tokenBinding', message: 'expected jwt (for JWT access tokens), introspection (for opaque tokens) or both' },
    { key: 'routes[0].tokenBinding.jwks', message: /unknown key 'jwks'/ },
    { key: 'routes[0].tokenBinding.issuer', message: /unknown key 'issuer'/ },
  ]);
});

t.test('the demo config/gateway.yaml: valid for certgate check, signs with ed25519 and checks revocation', async (t) => {
  const r = await checkConfig(demoConfig, { env: {} });
  t.same(r.errors, [], 'no errors');
  t.same(r.warnings, [], 'no warnings');
  const c = r.config!;
  const listener = c.listeners[0]!;
  t.equal(listener.clientAuth.verifyDepth, 2);
  t.equal(listener.clientAuth.trustedCAs.length, 2);
  t.match(listener.revocation, { check: 'leaf', sources: ['crl'], failMode: 'closed' });
  t.same(
    listener.revocation.crl.files.map((f) => path.basename(f.path)),
    ['ca.crl', 'intermediate-ca.crl'],
    'the CRLs of both client-issuing CAs',
  );
  const echo = c.upstreams.get('echo')!;
  t.equal(c.routes[0]!.upstream, echo);
  t.equal(echo.clientCert.chainHeader, 'X-Client-Cert-Chain');
  t.match(echo.signature, { alg: 'ed25519', keyId: 'certgate-demo-1' });
  t.equal(echo.signature?.keyPath, path.join(root, 'certs', 'header-signing-ed25519.pem'));
  const { stdout } = await run(process.execPath, [CLI, 'check', '--config', demoConfig]);
  t.match(stdout, /config OK/);
});
