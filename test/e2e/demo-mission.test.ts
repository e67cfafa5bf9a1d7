// `certgate demo` shows the mission: the built CLI as a process on free ports with its PKI in a
// temp dir, and real mTLS requests made with the files its printed curl lines name. A good
// certificate is forwarded, signed, and verified by the echo upstream with certgate/verify; no
// certificate and the revoked one are refused with 401.
import t from 'tap';
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { tempDir, mtlsRequest } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';

const dir = await tempDir('certgate-demo-mission-');
const child = spawn(process.execPath, [CLI, 'demo', '--dir', path.join(dir, 'certs'), '--host', '127.0.0.1', '--port', '0', '--upstream-port', '0', '--admin-port', '0'], {
  cwd: dir,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const exited = new Promise((r) => child.once('exit', r));
t.teardown(async () => {
  child.kill('SIGTERM');
  await exited;
});

// The demo prints the revoked certificate's line last: once it is there, everything is.
const out = await new Promise<string>((resolve, reject) => {
  let text = '';
  const onExit = (code: number | null): void => reject(new Error(`demo exited ${code}:\n${text}`));
  child.stdout.on('data', (c: Buffer) => {
    text += c.toString();
    if (/CLIENT_CERT_REVOKED\):\n\s*curl [^\n]*\n/.test(text)) {
      child.off('exit', onExit);
      resolve(text);
    }
  });
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  child.once('exit', onExit);
});

const ports = /echo upstream on http:\/\/127\.0\.0\.1:(\d+), gateway on https:\/\/localhost:(\d+), admin on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
if (!ports) throw new Error(`the demo did not print its ports:\n${out}`);
const [echoPort, gatewayPort, adminPort] = ports.slice(1).map(Number) as [number, number, number];

/** The curl line printed under the heading that contains `label`, as its arguments. */
function curlAfter(label: string): string[] {
  const m = new RegExp(`${label}[^\\n]*:\\n\\s*(curl [^\\n]+)\\n`).exec(out);
  if (!m) throw new Error(`no curl line after '${label}':\n${out}`);
  return m[1]!.split(/\s+/);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

/** The request a printed curl line makes, made with node https and the files it names. */
async function requestLike(tt: Test, args: string[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(args.at(-1)!);
  tt.equal(url.port, String(gatewayPort), `${args.join(' ')}: the gateway's real port`);
  const file = async (name: string): Promise<string | undefined> => {
    const p = flag(args, name);
    return p === undefined ? undefined : readFile(path.resolve(dir, p), 'utf8');
  };
  const [ca, cert, key] = await Promise.all([file('--cacert'), file('--cert'), file('--key')]);
  const res = await mtlsRequest({ port: gatewayPort, ca: ca!, ...(cert && key ? { cert, key } : {}), path: url.pathname });
  return { status: res.status, body: res.json() };
}

const good = curlAfter('A good certificate');
const none = curlAfter('Without a client certificate');
const revoked = curlAfter('A revoked certificate');

t.test('every printed curl line names files that exist (relative to where the demo ran)', async (t) => {
  for (const args of [good, none, revoked]) {
    for (const name of ['--cacert', '--cert', '--key']) {
      const p = flag(args, name);
      if (p !== undefined) await t.resolves(access(path.resolve(dir, p)), `${name} ${p} exists`);
    }
  }
  t.equal(flag(good, '--cert'), 'certs/client.pem');
  t.equal(flag(none, '--cert'), undefined, 'the no-certificate line sends none');
  t.equal(flag(revoked, '--cert'), 'certs/client-revoked.pem');
});

t.test("a good certificate: 200, and the echo verified the signature with the gateway's key", async (t) => {
  const jwks = (await (await fetch(`http://127.0.0.1:${adminPort}/.well-known/certgate-keys`)).json()) as { keys: Array<{ kid: string; x: string }> };
  t.equal(jwks.keys.length, 1, 'the gateway publishes one signing key');
  const published = jwks.keys[0]!;
  // The published key is the public half of the dev PKI's signing key, the one the config names.
  const keyFile = await readFile(path.join(dir, 'certs', 'header-signing-ed25519.pem'), 'utf8');
  t.equal(published.x, createPublicKey(keyFile).export({ format: 'jwk' }).x, 'the JWKS key is the key file');

  const res = await requestLike(t, good);
  t.equal(res.status, 200);
  t.equal(res.body.signature, `verified (keyid ${published.kid})`);
  const headers = res.body.headers as Record<string, string>;
  t.match(headers['signature-input'], /^certgate=\(.*"x-client-cert".*\);.*alg="ed25519"/, 'ed25519 over the certificate header');
  t.equal(headers['x-client-verify'], 'SUCCESS');
  t.match(out, `keyid ${published.kid}`, 'the demo names the key id it signs with');
});

t.test('no certificate: 401 CLIENT_CERT_REQUIRED', async (t) => {
  const res = await requestLike(t, none);
  t.equal(res.status, 401);
  t.equal(res.body.code, 'CLIENT_CERT_REQUIRED');
});

t.test('the revoked certificate: 401 CLIENT_CERT_REVOKED', async (t) => {
  const res = await requestLike(t, revoked);
  t.equal(res.status, 401);
  t.equal(res.body.code, 'CLIENT_CERT_REVOKED');
});

t.test('the echo says why a request is not verified: unsigned, or signed for another path', async (t) => {
  const echo = (reqPath: string, headers: http.OutgoingHttpHeaders): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: echoPort, path: reqPath, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
      });
      req.on('error', reject);
      req.end();
    });
  const unsigned = await echo('/hello', {});
  t.match(unsigned.signature, /^not verified: ERR_NO_SIGNATURE: /);

  // What the gateway forwarded for /hello, replayed straight to the echo for another path.
  const forwarded = (await requestLike(t, good)).body.headers as Record<string, string>;
  const replayed = await echo('/admin', forwarded);
  t.match(replayed.signature, /^not verified: ERR_BAD_SIGNATURE: /);
  const same = await echo('/hello', forwarded);
  t.match(same.signature, /^verified \(keyid /, 'the same headers on the signed path still verify');
});
