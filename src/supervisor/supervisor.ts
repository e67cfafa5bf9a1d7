// `certgate start`: the supervisor. It owns the listening sockets and the admin listener, runs
// no request code, and keeps one serving generation of workers. A reload (SIGHUP, POST /-/reload,
// `certgate reload`, the file watch) validates the config exactly as `certgate check` does; only
// a valid one starts a new generation, and the old one drains once all new workers are ready.
// SIGTERM/SIGINT: /readyz 503 at once, keep serving for shutdown.delay, drain, exit 0; a second
// signal exits at once.
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkConfig } from '../config/load-config.js';
import type { ConfigIssue, GatewayConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { flushLog, flushLogSync } from '../observability/log-destination.js';
import { createAdminServer, type ReloadOutcome } from '../admin/admin-server.js';
import { jwksDocument } from '../admin/jwks-document.js';
import { ConfigWatch } from './config-watch.js';
import { configDigest, hashFiles, watchedFiles } from './config-digest.js';
import { Generation } from './generation.js';
import { ListenSockets } from './listen-sockets.js';
import { SpareWorkers } from './spare-workers.js';
import { removePidFile, writePidFile } from './pid-file.js';
import { clusterMetricsText, createSupervisorMetrics } from './supervisor-metrics.js';

function workerCount(config: GatewayConfig): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return config.workers === 'auto' ? cores : config.workers;
}

function issueText(i: ConfigIssue): string {
  return `${i.file}${i.line !== undefined ? `:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : ''} ${i.key}: ${i.message}`;
}

export async function runSupervisor(configPath: string, initial: GatewayConfig, logger: Logger): Promise<number> {
  const metrics = createSupervisorMetrics();
  const sockets = new ListenSockets();
  // One booted spare: a reload or crash restart skips Node's start-up for that worker.
  const spares = new SpareWorkers(1);
  let current: Generation | undefined;
  const retiring = new Set<Generation>();
  let nextId = 1;
  let shuttingDown = false;
  let jwksText = '{"keys":[]}';
  let admin: http.Server | undefined;

  const startGeneration = async (config: GatewayConfig, digest: string): Promise<Generation> => {
    const handles = await sockets.bindFor(config);
    for (const [listener, b] of handles) logger.debug({ event: 'socket_bound', listener, address: b.address }, 'listening socket bound');
    const gen = new Generation({
      id: nextId++,
      config,
      digest,
      workerCount: workerCount(config),
      handles,
      logger,
      onRestart: () => metrics.workerRestarts.inc(),
      takeWorker: () => spares.take(),
    });
    await gen.start();
    return gen;
  };

  const serve = (gen: Generation): void => {
    const old = current;
    current = gen;
    jwksText = jwksDocument(gen.config);
    metrics.generation.set(gen.id);
    metrics.configInfo.reset();
    metrics.configInfo.set({ sha256: gen.digest }, 1);
    metrics.lastReloadSuccessful.set(1);
    metrics.lastReloadSuccessTime.set(Date.now() / 1000);
    logger.info({ event: 'generation_serving', generation: gen.id, workers: gen.pids, sha256: gen.digest }, `generation ${gen.id} serving`);
    if (old) retire(old, gen.config.shutdown.drainTimeout);
  };

  const retire = (gen: Generation, timeoutMs: number): void => {
    retiring.add(gen);
    logger.info({ event: 'generation_draining', generation: gen.id }, `generation ${gen.id} draining`);
    void gen.drain(timeoutMs).then(() => {
      retiring.delete(gen);
      logger.info({ event: 'generation_exited', generation: gen.id }, `generation ${gen.id} exited`);
      sockets.releaseUnused([...(current ? [current.config] : []), ...[...retiring].map((g) => g.config)]);
    });
  };

  // --- reload -------------------------------------------------------------------------------
  let running: Promise<ReloadOutcome> | undefined;
  let queued: Promise<ReloadOutcome> | undefined;
  const watch = new ConfigWatch(initial.reload.debounce, logger, () => void reload('watch'));

  const rewatch = (files: readonly string[], hashes: ReadonlyMap<string, string>): void => {
    watch.reset((current?.config ?? initial).reload.watch ? files : [], hashes);
  };

  const reloadOnce = async (trigger: string): Promise<ReloadOutcome> => {
    const fail = (errors: string[]): ReloadOutcome => {
      metrics.reloads.inc({ result: 'failure' });
      metrics.lastReloadSuccessful.set(0);
      return { ok: false, generation: current?.id ?? 0, errors };
    };
    logger.info({ event: 'config_reload', trigger }, 'reloading config');
    const t0 = performance.now();
    const before = await hashFiles(watchedFiles(configPath, current?.config));
    const result = await checkConfig(configPath);
    if (!result.config) {
      for (const i of result.errors)
        logger.error({ event: 'config_reload_failed', file: i.file, line: i.line, column: i.column, configKey: i.key, message: i.message }, `invalid config: ${issueText(i)}`);
      const out = fail(result.errors.map(issueText));
      rewatch(watchedFiles(configPath, current?.config), before);
      return out;
    }
    const validateMs = Math.round(performance.now() - t0);
    const files = watchedFiles(configPath, result.config);
    const hashes = new Map([...(await hashFiles(files.filter((f) => !before.has(f)))), ...before]);
    for (const f of [...hashes.keys()]) if (!files.includes(f)) hashes.delete(f);
    let gen: Generation;
    try {
      gen = await startGeneration(result.config, configDigest(hashes));
    } catch (err) {
      const message = (err as Error).message;
      logger.error({ event: 'config_reload_failed', message }, `new generation did not start: ${message}`);
      const out = fail([message]);
      rewatch(watchedFiles(configPath, current?.config), before);
      return out;
    }
    if (shuttingDown) {
      void gen.drain(0);
      return fail(['shutting down']);
    }
    metrics.reloads.inc({ result: 'success' });
    logger.info({ event: 'config_reloaded', trigger, generation: gen.id, validateMs, totalMs: Math.round(performance.now() - t0) }, `reloaded: generation ${gen.id}`);
    serve(gen);
    rewatch(files, hashes);
    return { ok: true, generation: gen.id, errors: [] };
  };

  /** One reload at a time; triggers during a reload fold into one more after it. */
  const reload = (trigger: string): Promise<ReloadOutcome> => {
    if (shuttingDown) return Promise.resolve({ ok: false, generation: current?.id ?? 0, errors: ['shutting down'] });
    if (!running) {
      running = reloadOnce(trigger).finally(() => (running = undefined));
      return running;
    }
    queued ??= running.then(() => {
      queued = undefined;
      return reload(trigger);
    });
    return queued;
  };

  // --- first generation ----------------------------------------------------------------------
  cluster.schedulingPolicy = cluster.SCHED_NONE; // the workers accept on the supervisor's sockets
  // Until the first generation serves: SIGHUP (whose default would kill the supervisor) is
  // ignored, SIGTERM/SIGINT stop at once (nothing is served yet).
  let started = false;
  const abortStart = (signal: string): void => {
    logger.info({ event: 'stopping', signal }, 'stopping before the gateway started');
    spares.stop();
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    flushLogSync(logger);
    process.exit(0);
  };
  process.on('SIGHUP', () => (started ? void reload('SIGHUP') : logger.warn({ event: 'reload_ignored' }, 'SIGHUP before the gateway started: ignored')));
  process.on('SIGTERM', () => (started ? void shutdown('SIGTERM') : abortStart('SIGTERM')));
  process.on('SIGINT', () => (started ? void shutdown('SIGINT') : abortStart('SIGINT')));
  const firstFiles = watchedFiles(configPath, initial);
  const firstHashes = await hashFiles(firstFiles);
  try {
    serve(await startGeneration(initial, configDigest(firstHashes)));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    logger.fatal({ err: { code: e.code, message: e.message } }, 'gateway failed to start');
    process.stderr.write(`certgate: cannot start: ${e.message}\n`);
    sockets.closeAll();
    spares.stop();
    return 2;
  }
  rewatch(firstFiles, firstHashes);

  if (initial.admin) {
    admin = createAdminServer({
      ready: () => !shuttingDown && (current?.readyWorkers ?? 0) > 0,
      metrics: async () => clusterMetricsText((await current?.collectMetrics()) ?? [], metrics.registry),
      metricsContentType: metrics.registry.contentType,
      jwks: () => jwksText,
      reload: () => reload('admin'),
    });
    const a = admin;
    const listen = initial.admin.listen;
    try {
      await new Promise<void>((resolve, reject) => {
        a.once('error', reject);
        a.listen(listen.port, listen.host, () => resolve());
      });
      const addr = a.address() as { address: string; port: number };
      logger.info({ event: 'listening', listener: 'admin', address: { host: addr.address, port: addr.port } }, 'admin listener started');
    } catch (err) {
      const message = `admin listener ${listen.host}:${listen.port}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      logger.fatal({ event: 'admin_listen_failed', err: message }, 'admin listener failed');
      process.stderr.write(`certgate: cannot start: ${message}\n`);
      spares.stop();
      await current?.drain(0);
      sockets.closeAll();
      return 2;
    }
  }
  if (initial.pidFile) writePidFile(initial.pidFile);

  // --- signals -------------------------------------------------------------------------------
  started = true;
  async function shutdown(signal: string): Promise<void> {
    if (shuttingDown) {
      logger.warn({ event: 'stopping_now', signal }, 'second signal: exiting at once');
      current?.kill();
      for (const g of retiring) g.kill();
      spares.stop();
      if (initial.pidFile) removePidFile(initial.pidFile);
      flushLogSync(logger);
      process.exit(1);
    }
    shuttingDown = true;
    const cfg = current?.config ?? initial;
    logger.info({ event: 'stopping', signal, delayMs: cfg.shutdown.delay, drainTimeoutMs: cfg.shutdown.drainTimeout }, 'stopping: /readyz now 503');
    watch.close();
    spares.stop();
    if (cfg.shutdown.delay > 0) await sleep(cfg.shutdown.delay);
    await Promise.all([...(current ? [current.drain(cfg.shutdown.drainTimeout)] : []), ...[...retiring].map((g) => g.drain(cfg.shutdown.drainTimeout))]);
    await running?.catch(() => undefined);
    sockets.closeAll();
    admin?.close();
    admin?.closeAllConnections();
    if (initial.pidFile) removePidFile(initial.pidFile);
    logger.info({ event: 'stopped' }, 'stopped');
    await flushLog(logger);
    process.exit(0);
  }
  logger.info({ event: 'supervisor_started', pid: process.pid, workers: workerCount(initial) }, `supervisor started with ${workerCount(initial)} worker(s)`);
  return 0;
}
