// Runs `certgate start` (the supervisor and its workers) as a real child process and reads what
// it logs: ports come from its "listening" lines (port 0 in the config), progress from events
// such as generation_serving, so tests wait on events and never on fixed sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { CLI } from './gateway-process.js';
import { waitUntil } from './wait-for.js';

export type LogLine = Record<string, unknown>;

export interface SupervisedGateway {
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  output(): string;
  /** Waits for a log line matching `pred` (at index >= from), returns it. */
  waitFor(pred: (l: LogLine) => boolean, what: string, from?: number, attempts?: number): Promise<LogLine>;
  count(pred: (l: LogLine) => boolean): number;
  port(listener?: string): number;
  readonly adminPort: number;
  admin(path: string, method?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>;
  /** The value of a metric sample on /metrics (`name{labels}` exactly as printed), or undefined. */
  metric(sample: string): Promise<number | undefined>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export async function startSupervised(configFile: string, env: NodeJS.ProcessEnv = process.env): Promise<SupervisedGateway> {
  const child = spawn(process.execPath, [CLI, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let pending = '';
  const lines: LogLine[] = [];
  const onData = (c: Buffer): void => {
    out += c.toString();
    pending += c.toString();
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('{')) {
        try {
          lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));

  const waitFor = async (pred: (l: LogLine) => boolean, what: string, from = 0, attempts = 1200): Promise<LogLine> => {
    let hit: LogLine | undefined;
    await waitUntil(
      () => {
        if (gone && !hit) throw new Error(`gateway exited while waiting for ${what}:\n${out}`);
        hit = lines.slice(from).find(pred);
        return hit !== undefined;
      },
      { what, attempts },
    );
    return hit!;
  };
  const listening = await waitFor((l) => l.event === 'listening' && l.listener === 'admin', 'the admin listener');
  const adminPort = (listening.address as { port: number }).port;
  const admin = (path: string, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: adminPort, path, method, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  return {
    child,
    lines,
    output: () => out,
    waitFor,
    count: (pred) => lines.filter(pred).length,
    port(listener) {
      const l = lines.find((x) => x.event === 'listening' && x.listener !== 'admin' && (listener === undefined || x.listener === listener));
      if (!l) throw new Error(`no listener ${listener ?? ''} in the log:\n${out}`);
      return (l.address as { port: number }).port;
    },
    adminPort,
    admin,
    async metric(sample) {
      const { body } = await admin('/metrics');
      const line = body.split('\n').find((l) => l.startsWith(`${sample} `));
      return line === undefined ? undefined : Number(line.slice(sample.length + 1));
    },
    exited,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
