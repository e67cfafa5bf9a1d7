// The one place YAML becomes a GatewayConfig: parse with positions, read every section (files
// loaded, keys parsed, durations converted, references resolved), collect every issue, freeze.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isScalar, LineCounter, parseDocument, type Document, type Node, type YAMLError } from 'yaml';
import { ConfigError } from '../errors.js';
import { ConfigSection } from './config-section.js';
import { crossCheck } from './config-cross-checks.js';
import { deepFreeze } from './deep-freeze.js';
import { readListen, readListeners } from './listener-config.js';
import { reportError, type LoadContext } from './load-context.js';
import { readRoutes } from './route-config.js';
import type { ConfigIssue, GatewayConfig, HostPort, ListenerConfig, LogLevel } from './types.js';
import { readUpstreams } from './upstream-config.js';
import { warnIfAdminExposed } from './admin-exposure.js';
import { OPERATIONS_KEYS, readOperations } from './operations-config.js';

export { formatCheckReport } from './check-report.js';

export interface LoadConfigOptions {
  /** Variables for `${NAME}`; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Directory for relative paths when the text has no file (sourcePath '<embedded>'); default cwd. */
  readonly baseDir?: string;
}

export interface CheckResult {
  /** Present when there are no errors. */
  readonly config?: GatewayConfig;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

const EMBEDDED_SOURCE = '<embedded>';

const TOP_LEVEL_KEYS = ['workers', 'admin', 'logging', 'listeners', 'upstreams', 'routes', ...OPERATIONS_KEYS];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

/** Load and validate a config file; throws ConfigError listing every issue. */
export async function loadConfig(path: string, opts: LoadConfigOptions = {}): Promise<GatewayConfig> {
  return configOrThrow(await checkConfig(path, opts));
}

/** Load config text (e.g. the embedded demo default); throws ConfigError listing every issue. */
// eslint-disable-next-line @typescript-eslint/require-await -- public API (src/index.ts) that returns a promise like loadConfig, and rejects rather than throws
export async function loadConfigFromString(text: string, sourcePath: string, opts: LoadConfigOptions = {}): Promise<GatewayConfig> {
  return configOrThrow(checkConfigText(text, sourcePath, opts));
}

/** For `certgate check`: every error and warning, and the config when there are no errors. */
export async function checkConfig(path: string, opts: LoadConfigOptions = {}): Promise<CheckResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    return { errors: [{ file: path, key: '(file)', message: `config file ${resolve(path)} ${why}` }], warnings: [] };
  }
  return checkConfigText(text, path, opts);
}

function checkConfigText(text: string, sourcePath: string, opts: LoadConfigOptions = {}): CheckResult {
  const r = evaluate(text, sourcePath, opts);
  return { ...r, errors: inFileOrder(r.errors), warnings: inFileOrder(r.warnings) };
}

function evaluate(text: string, sourcePath: string, opts: LoadConfigOptions): CheckResult {
  const embedded = sourcePath === EMBEDDED_SOURCE;
  const source = embedded ? EMBEDDED_SOURCE : resolve(sourcePath);
  const lineCounter = new LineCounter();
  const ctx: LoadContext = {
    file: sourcePath,
    baseDir: embedded ? resolve(opts.baseDir ?? process.cwd()) : opts.baseDir ? resolve(opts.baseDir) : dirname(source),
    env: opts.env ?? process.env,
    lineCounter,
    errors: [],
    warnings: [],
    filesRead: [],
  };
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, strict: true });
  for (const e of doc.errors) ctx.errors.push(yamlIssue(ctx, e));
  for (const w of doc.warnings) ctx.warnings.push(yamlIssue(ctx, w));
  if (ctx.errors.length > 0) return { errors: ctx.errors, warnings: ctx.warnings };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { errors: [{ file: sourcePath, key: '(file)', message: 'config file is empty; expected at least listeners, upstreams and routes' }], warnings: ctx.warnings };
  }

  const top = ConfigSection.open(ctx, doc.contents, '', TOP_LEVEL_KEYS);
  if (!top) return { errors: ctx.errors, warnings: ctx.warnings };
  const workers = readWorkers(top);
  const operations = readOperations(top);
  const adminSection = top.section('admin', ['listen']);
  const admin = adminSection ? readListen(adminSection) : undefined;
  if (adminSection && admin) warnIfAdminExposed(adminSection, admin);
  const logging = top.section('logging', ['level']);
  const level = logging?.enum('level', LOG_LEVELS) ?? 'info';
  const listeners = top.has('listeners') ? readListeners(ctx, top.value('listeners'), 'listeners') : undefined;
  if (!top.has('listeners')) top.errorHere("missing required key 'listeners' (at least one listener)");
  const upstreams = top.has('upstreams') ? (readUpstreams(ctx, top.value('upstreams'), 'upstreams') ?? new Map()) : new Map();
  const routes = top.has('routes') ? (readRoutes(ctx, top.value('routes'), 'routes', upstreams, listeners ?? []) ?? []) : [];
  checkDistinctAddresses(ctx, doc, listeners ?? [], admin);
  if (listeners) crossCheck(ctx, doc, listeners, upstreams, routes);
  if (ctx.errors.length > 0 || !listeners) return { errors: ctx.errors, warnings: ctx.warnings };

  const config: GatewayConfig = {
    source,
    workers,
    ...(admin ? { admin: { listen: admin } } : {}),
    logging: { level },
    listeners,
    upstreams,
    routes,
    warnings: ctx.warnings,
    ...operations,
    files: ctx.filesRead ?? [],
  };
  const warnings = inFileOrder(ctx.warnings);
  return { config: deepFreeze({ ...config, warnings }), errors: [], warnings };
}

/** Issues in file order, so a report reads top to bottom (Array#sort is stable). */
function inFileOrder(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function configOrThrow(result: CheckResult): GatewayConfig {
  if (result.config && result.errors.length === 0) return result.config;
  throw new ConfigError(result.errors);
}

function yamlIssue(ctx: LoadContext, e: YAMLError): ConfigIssue {
  // yaml's message ends with a snippet of the source line; it is dropped so that a syntax error
  // on a `password:` line cannot print the password.
  const message = `YAML syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
  const pos = e.linePos?.[0];
  return pos ? { file: ctx.file, line: pos.line, column: pos.col, key: '(yaml)', message } : { file: ctx.file, key: '(yaml)', message };
}

function readWorkers(top: ConfigSection): number | 'auto' {
  const v = top.value('workers');
  if (isScalar(v) && v.value === 'auto') return 'auto';
  if (isScalar(v) && typeof v.value === 'string' && !/^\s*\d+\s*$/.test(v.value) && !v.value.includes('${')) {
    top.error('workers', `expected auto or an integer from 1 to 1024, got '${v.value}'`);
    return 1;
  }
  return top.integer('workers', { min: 1, max: 1024 }) ?? 1;
}

/** Two listeners on one address fail at bind time; report it now, with both keys. */
function checkDistinctAddresses(ctx: LoadContext, doc: Document, listeners: readonly ListenerConfig[], admin: HostPort | undefined): void {
  const seen = new Map<string, string>();
  const entries = [
    ...listeners.map((l, i) => ({ key: `listeners[${i}].listen`, at: ['listeners', i, 'listen'], addr: l.listen })),
    ...(admin ? [{ key: 'admin.listen', at: ['admin', 'listen'], addr: admin }] : []),
  ];
  for (const { key, at, addr } of entries) {
    if (addr.port === 0) continue; // any free port: never a clash
    const id = `${addr.host}:${addr.port}`;
    const prior = seen.get(id);
    if (prior) reportError(ctx, doc.getIn(at, true) as Node | undefined, key, `address ${id} is already used by ${prior}`);
    else seen.set(id, key);
  }
}
