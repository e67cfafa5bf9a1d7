// Real L4 load balancers in front of the gateway for the PROXY protocol tests: Debian's HAProxy in
// TCP mode (send-proxy, send-proxy-v2) and nginx's stream module (proxy_protocol on). Each binds
// ports the OS just reported free and is stopped by the test's teardown.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { probeUntil } from './wait-for.js';

export interface L4Proxy {
  /** Front port by route name. */
  readonly ports: ReadonlyMap<string, number>;
  readonly version: string;
  output(): string;
  stop(): Promise<void>;
}

export interface L4Route {
  readonly name: string;
  /** The gateway listener's port on 127.0.0.1. */
  readonly backendPort: number;
  /** HAProxy only: which header to send. */
  readonly send?: 'send-proxy' | 'send-proxy-v2';
}

/** A port the OS reports free on 127.0.0.1 (the proxy binds it right after). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/**
 * True once 127.0.0.1:port is in LISTEN state. Read from the kernel rather than by connecting: a
 * probe connection would go through to the gateway and show up in its metrics.
 */
async function listening(port: number): Promise<boolean> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await readFile('/proc/net/tcp', 'utf8');
  return table.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    return f[1] === local && f[3] === '0A';
  });
}

async function run(command: string, args: string[], ports: Map<string, number>, version: string): Promise<L4Proxy> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const port of ports.values()) {
    await probeUntil(
      () => (child.exitCode !== null ? Promise.reject(new Error(`${command} exited:\n${out}`)) : listening(port)),
      (ok) => ok,
      { what: `${command} listening on ${port}` },
    );
  }
  return {
    ports,
    version,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function startHaproxy(dir: string, routes: readonly L4Route[]): Promise<L4Proxy> {
  const ports = new Map<string, number>();
  const sections: string[] = ['defaults', '  mode tcp', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s'];
  for (const r of routes) {
    const port = await freePort();
    ports.set(r.name, port);
    sections.push(`frontend fe_${r.name}`, `  bind 127.0.0.1:${port}`, `  default_backend be_${r.name}`);
    sections.push(`backend be_${r.name}`, `  server gateway 127.0.0.1:${r.backendPort} ${r.send ?? 'send-proxy'}`);
  }
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, sections.join('\n') + '\n');
  const version = execFileSync('haproxy', ['-v'], { encoding: 'utf8' }).split('\n')[0]!;
  return run('haproxy', ['-db', '-f', file], ports, version);
}

export async function startNginxStream(dir: string, routes: readonly L4Route[]): Promise<L4Proxy> {
  const ports = new Map<string, number>();
  const servers: string[] = [];
  for (const r of routes) {
    const port = await freePort();
    ports.set(r.name, port);
    servers.push(`  server { listen 127.0.0.1:${port}; proxy_pass 127.0.0.1:${r.backendPort}; proxy_protocol on; }`);
  }
  const conf = [
    // Debian builds the stream module as a dynamic module (package libnginx-mod-stream).
    'load_module /usr/lib/nginx/modules/ngx_stream_module.so;',
    'daemon off;',
    'master_process off;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'error_log stderr notice;',
    'events { worker_connections 64; }',
    'stream {',
    ...servers,
    '}',
  ].join('\n');
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, conf + '\n');
  // nginx -v prints to stderr.
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  return run('nginx', ['-e', 'stderr', '-p', dir, '-c', file], ports, version);
}
