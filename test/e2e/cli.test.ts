// The command line as a user runs it: the built CLI in a child process.
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile, readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { tempDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';

const run = promisify(execFile);

async function certgate(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

t.test('--help lists every command; each command has its own help', async (t) => {
  const top = await certgate(['--help']);
  t.equal(top.code, 0);
  for (const cmd of ['start', 'reload', 'check', 'pki', 'demo', 'keys']) {
    t.match(top.stdout, new RegExp(`\\n  ${cmd} `), `lists ${cmd}`);
    const sub = await certgate([cmd, '--help']);
    t.equal(sub.code, 0, `${cmd} --help exits 0`);
    t.match(sub.stdout, new RegExp(`Usage: certgate ${cmd}`));
  }
  const bad = await certgate(['frobnicate']);
  t.equal(bad.code, 1, 'unknown command: usage error');
  const badFlag = await certgate(['check', '--nope']);
  t.equal(badFlag.code, 1, 'unknown flag: usage error');
});

t.test('check: a config with three mistakes prints all three with line numbers and exits 1', async (t) => {
  const dir = await tempDir();
  const pki = await makeTestPki();
  await writeFile(path.join(dir, 'server.pem'), pki.server.certPem);
  await writeFile(path.join(dir, 'server-key.pem'), pki.server.keyPem);
  const file = path.join(dir, 'broken.yaml');
  await writeFile(
    file,
    [
      'listeners:', //                                              1
      '  - name: main', //                                          2
      '    listen: 127.0.0.1:8443', //                              3
      '    tls: { cert: server.pem, key: server-key.pem }', //      4
      '    clientAuth:', //                                         5
      '      mode: require', //                                     6
      '      trustedCAs: [missing-ca.pem]', //                      7: missing file
      '      verifyDepht: 2', //                                    8: unknown key
      'upstreams:', //                                              9
      '  app:', //                                                  10
      '    url: http://127.0.0.1:9080', //                          11
      '    timeouts: { response: 30 parsecs }', //                  12: bad duration
      'routes:',
      '  - { name: all, match: { pathPrefix: / }, upstream: app }',
      '',
    ].join('\n'),
  );
  const res = await certgate(['check', '--config', file]);
  t.equal(res.code, 1);
  const out = res.stderr + res.stdout;
  t.match(out, /broken\.yaml:7:.*trustedCAs/, 'missing file, with line 7');
  t.match(out, /broken\.yaml:8:.*verifyDepht/, 'unknown key, with line 8');
  t.match(out, /broken\.yaml:12:.*response/, 'bad duration, with line 12');
});

t.test('check: a valid config exits 0; start with a broken config exits 1', async (t) => {
  const dir = await tempDir();
  const pki = await makeTestPki();
  await writeFile(path.join(dir, 'server.pem'), pki.server.certPem);
  await writeFile(path.join(dir, 'server-key.pem'), pki.server.keyPem);
  await writeFile(path.join(dir, 'ca.pem'), pki.rootCa.certPem);
  const good = path.join(dir, 'good.yaml');
  await writeFile(
    good,
    'listeners:\n  - name: main\n    listen: 127.0.0.1:0\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { mode: require, trustedCAs: [ca.pem] }\nupstreams:\n  app: { url: "http://127.0.0.1:9" }\nroutes:\n  - { name: all, match: { pathPrefix: / }, upstream: app }\n',
  );
  const ok = await certgate(['check', '--config', good]);
  t.equal(ok.code, 0, ok.stderr);
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'listeners: [}\n');
  const start = await certgate(['start', '--config', bad]);
  t.equal(start.code, 1);
  t.match(start.stderr, /bad\.yaml:1/);
});

t.test('pki writes the development PKI', async (t) => {
  const dir = await tempDir();
  const res = await certgate(['pki', '--out', dir]);
  t.equal(res.code, 0);
  const files = await readdir(dir);
  for (const f of ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem', 'client.pem', 'client-key.pem']) t.ok(files.includes(f), f);
});

t.test('demo: the printed curl gets the echoed request with X-Client-Cert and SUCCESS (free ports, temp dir)', async (t) => {
  // Every port from 0 (bound by the demo, printed back), the PKI in a temp dir: nothing touches the
  // checkout's certs/ or fixed ports 8443/9080/9901.
  const dir = await tempDir('certgate-demo-');
  const child = spawn(process.execPath, [CLI, 'demo', '--dir', dir, '--host', '127.0.0.1', '--port', '0', '--upstream-port', '0', '--admin-port', '0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  let out = '';
  const curlLine = await new Promise<string>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /^\s*(curl --cacert \S+ --cert \S+ --key \S+ https:\/\/localhost:\d+\/\S*)$/m.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`demo exited ${code}:\n${out}`)));
  });
  const running = /echo upstream on http:\/\/127\.0\.0\.1:(\d+), gateway on https:\/\/localhost:(\d+), admin on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
  t.ok(running, `the real ports are printed:\n${out}`);
  const [echoPort, gatewayPort, adminPort] = running!.slice(1).map(Number);
  t.ok(echoPort! > 0 && gatewayPort! > 0 && adminPort! > 0, 'real ports, not 0');
  t.match(curlLine, `https://localhost:${gatewayPort}/hello`);
  t.match(out, `wrote a development PKI to ${dir}`);

  const args = curlLine.split(/\s+/).slice(1);
  const { stdout } = await run('curl', ['-sS', '-w', '\n%{http_code}', ...args], { cwd: dir });
  const body = stdout.slice(0, stdout.lastIndexOf('\n'));
  t.equal(stdout.slice(stdout.lastIndexOf('\n') + 1), '200');
  const echoed = JSON.parse(body) as { headers: Record<string, string> };
  const clientPem = await readFile(path.join(dir, 'client.pem'), 'utf8');
  t.equal(decodeURIComponent(echoed.headers['x-client-cert']!), clientPem.slice(0, clientPem.indexOf('-----END CERTIFICATE-----') + 26));
  t.equal(echoed.headers['x-client-verify'], 'SUCCESS');
  const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
  t.equal(health.status, 200, 'the printed admin port serves /healthz');
});

t.test('demo: a port already in use fails with a clear message and exit code 2', async (t) => {
  const dir = await tempDir('certgate-demo-');
  // A port this test holds itself (bound on port 0), so no other process can be on it.
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())));
  const taken = (holder.address() as net.AddressInfo).port;

  const gw = await certgateUntilExit(['demo', '--dir', dir, '--host', '127.0.0.1', '--port', String(taken), '--upstream-port', '0', '--admin-port', '0']);
  t.equal(gw.code, 2, gw.stderr);
  t.match(gw.stderr, `certgate demo: cannot start the gateway: 127.0.0.1:${taken} is already in use`);
  t.match(gw.stderr, '--port 0 for any free port');

  const echo = await certgateUntilExit(['demo', '--dir', dir, '--upstream-port', String(taken), '--port', '0', '--host', '127.0.0.1', '--admin-port', '0']);
  t.equal(echo.code, 2, echo.stderr);
  t.match(echo.stderr, `cannot start the echo upstream on 127.0.0.1:${taken}`);
  t.match(echo.stderr, '--upstream-port 0');

  const admin = await certgateUntilExit(['demo', '--dir', dir, '--admin-port', String(taken), '--port', '0', '--host', '127.0.0.1', '--upstream-port', '0']);
  t.equal(admin.code, 2, admin.stderr);
  t.match(admin.stderr, `127.0.0.1:${taken} is already in use`);
  t.match(admin.stderr, '--admin-port 0');

  const bad = await certgateUntilExit(['demo', '--dir', dir, '--port', '99999']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, "--port expects a port number 0-65535 (0 = any free port), got '99999'");
});

t.test('start: a listen port in use exits 2 with the address; reload without a pid exits 1', async (t) => {
  const dir = await tempDir();
  const pki = await makeTestPki();
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())));
  const taken = (holder.address() as net.AddressInfo).port;
  await writeFile(path.join(dir, 'server.pem'), pki.server.certPem);
  await writeFile(path.join(dir, 'server-key.pem'), pki.server.keyPem);
  await writeFile(path.join(dir, 'ca.pem'), pki.rootCa.certPem);
  const file = path.join(dir, 'gateway.yaml');
  await writeFile(
    file,
    `listeners:\n  - name: main\n    listen: 127.0.0.1:${taken}\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { mode: require, trustedCAs: [ca.pem] }\nupstreams:\n  app: { url: "http://127.0.0.1:9" }\nroutes:\n  - { name: all, match: { pathPrefix: / }, upstream: app }\n`,
  );
  const start = await certgateUntilExit(['start', '--config', file]);
  t.equal(start.code, 2, start.stderr);
  t.match(start.stderr, `certgate: cannot start: cannot bind 127.0.0.1:${taken}: EADDRINUSE`);

  const noArgs = await certgate(['reload']);
  t.equal(noArgs.code, 1);
  t.match(noArgs.stderr, '--config FILE (with a pidFile key) or --pid');
  const noPidKey = await certgate(['reload', '--config', file]);
  t.equal(noPidKey.code, 1);
  t.match(noPidKey.stderr, 'has no pidFile key');
});

/** Runs the CLI until it exits by itself (a demo that started would not: it is killed after 30 s). */
async function certgateUntilExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), 30_000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(timer);
  return { code, stdout, stderr };
}
