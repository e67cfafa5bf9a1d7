// Runs the built gateway (dist/cli/main.js start) as a child process, for tests that measure the
// gateway alone (RSS) or drive the CLI as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.resolve(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));

export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  rssBytes(): number;
  peakRssBytes(): number;
  stop(): Promise<void>;
}

function statusField(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Starts `certgate start --config dir/gateway.yaml` and waits for its first listener's port. */
export async function startGatewayProcess(dir: string, yaml: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayProcess> {
  const file = path.join(dir, 'gateway.yaml');
  // info level is needed to read the bound port from the "listener started" line.
  await writeFile(file, yaml.replace(/^logging:.*$/m, 'logging: { level: info }'));
  const child = spawn(process.execPath, [CLI, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /"event":"listening","listener":"[^"]+","address":\{"host":"[^"]+","port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${out}`)));
  });
  return {
    child,
    port,
    output: () => out,
    rssBytes: () => statusField(child.pid!, 'VmRSS'),
    peakRssBytes: () => statusField(child.pid!, 'VmHWM'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
