// The CLI commands. Each turns its flags into calls on the library and an exit code.
import path from 'node:path';
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { loadConfig, checkConfig, formatCheckReport } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { publicJwks } from '../signing/public-jwks.js';
import { sendReload } from './reload-command.js';
import type { GatewayConfig, SignatureConfig } from '../config/types.js';
import { HELP } from './usage.js';

type Flags = Record<string, string | boolean | undefined>;
type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

const PACKAGE_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DEFAULT_CONFIG = path.join(PACKAGE_ROOT, 'config', 'gateway.yaml');

async function loadOrReport(file: string): Promise<GatewayConfig | undefined> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`certgate: invalid config\n${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}

/** The supervisor (src/supervisor/) in the process the user started; workers in its children. */
async function runGateway(file: string): Promise<number> {
  // Loaded on demand: the supervisor never loads the request path (pipeline, upstream client).
  if (cluster.isWorker) return (await import('../supervisor/worker.js')).runWorker(file);
  const config = await loadOrReport(file);
  if (!config) return 1;
  const { runSupervisor } = await import('../supervisor/supervisor.js');
  return runSupervisor(file, config, createLogger(config.logging.level));
}

/** The --config path, or undefined after telling the user it is required. */
function requiredConfig(flags: Flags, command: string, help: string): string | undefined {
  if (typeof flags.config === 'string') return path.resolve(flags.config);
  process.stderr.write(`certgate ${command}: --config FILE is required\n\n${help}`);
  return undefined;
}

interface Command {
  readonly options: OptionSpec;
  readonly help: string;
  run(flags: Flags): Promise<number>;
}

export const COMMANDS = {
  start: {
    options: { config: { type: 'string', short: 'c' } },
    help: HELP.start,
    run(flags) {
      return runGateway(path.resolve(String(flags.config ?? DEFAULT_CONFIG)));
    },
  },
  check: {
    options: { config: { type: 'string', short: 'c' } },
    help: HELP.check,
    async run(flags) {
      const file = requiredConfig(flags, 'check', HELP.check);
      if (!file) return 1;
      const result = await checkConfig(file);
      const report = formatCheckReport(result);
      (result.errors.length ? process.stderr : process.stdout).write(report.endsWith('\n') ? report : `${report}\n`);
      return result.errors.length ? 1 : 0;
    },
  },
  reload: {
    options: { config: { type: 'string', short: 'c' }, pid: { type: 'string' } },
    help: HELP.reload,
    run(flags) {
      return Promise.resolve(sendReload(typeof flags.config === 'string' ? path.resolve(flags.config) : undefined, typeof flags.pid === 'string' ? flags.pid : undefined));
    },
  },
  pki: {
    options: { out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    help: HELP.pki,
    async run(flags) {
      const out = path.resolve(String(flags.out ?? 'certs'));
      // Loaded on demand: the dev PKI brings @peculiar/x509 and a global Reflect shim that `start` must not carry.
      const { writeDevPki, hasDevPki } = await import('../pki/dev-pki.js');
      if (!flags.force && (await hasDevPki(out))) {
        process.stdout.write(`certgate pki: ${out} already holds a PKI (use --force to overwrite)\n`);
        return 0;
      }
      await writeDevPki(out);
      process.stdout.write(`certgate pki: wrote a development PKI to ${out}\n`);
      return 0;
    },
  },
  keys: {
    options: { config: { type: 'string', short: 'c' } },
    help: HELP.keys,
    async run(flags) {
      const file = requiredConfig(flags, 'keys', HELP.keys);
      if (!file) return 1;
      const config = await loadOrReport(file);
      if (!config) return 1;
      const signatures: SignatureConfig[] = [];
      for (const u of config.upstreams.values()) if (u.signature) signatures.push(u.signature);
      process.stdout.write(`${JSON.stringify(publicJwks(signatures), null, 2)}\n`);
      return 0;
    },
  },
  demo: {
    options: {
      dir: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'upstream-port': { type: 'string' },
      'admin-port': { type: 'string' },
    },
    help: HELP.demo,
    async run(flags) {
      const ports: Record<string, number | undefined> = {};
      for (const flag of ['port', 'upstream-port', 'admin-port']) {
        const v = flags[flag];
        if (v === undefined) continue;
        const n = Number(v);
        if (typeof v !== 'string' || !/^\d{1,5}$/.test(v) || n > 65535) {
          process.stderr.write(`certgate demo: --${flag} expects a port number 0-65535 (0 = any free port), got '${String(v)}'\n\n${HELP.demo}`);
          return 1;
        }
        ports[flag] = n;
      }
      const { runDemo } = await import('../demo/run-demo.js');
      return runDemo({
        template: DEFAULT_CONFIG,
        dir: path.resolve(typeof flags.dir === 'string' ? flags.dir : path.join(PACKAGE_ROOT, 'certs')),
        ...(typeof flags.host === 'string' ? { host: flags.host } : {}),
        ...(ports.port !== undefined ? { port: ports.port } : {}),
        ...(ports['upstream-port'] !== undefined ? { upstreamPort: ports['upstream-port'] } : {}),
        ...(ports['admin-port'] !== undefined ? { adminPort: ports['admin-port'] } : {}),
      });
    },
  },
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;
