// `workers: auto | N`: node:cluster with one gateway per worker, so the gateway uses every core.
// The primary restarts a worker that dies and serves the admin endpoints with metrics summed
// across workers (prom-client's AggregatorRegistry).
import cluster from 'node:cluster';
import http from 'node:http';
import os from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';

export function workerCount(config: GatewayConfig): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return config.workers === 'auto' ? cores : config.workers;
}

export function runPrimary(config: GatewayConfig, logger: Logger): void {
  const count = workerCount(config);
  // Let the kernel spread connections (SO_REUSEPORT-like accept): the primary stays off the data path.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ event: 'worker_exit', pid: worker.process.pid, code, signal }, 'worker died; starting another');
    setTimeout(() => cluster.fork(), 500).unref();
  });
  if (config.admin) {
    const registry = new AggregatorRegistry();
    const admin = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/readyz') {
        const alive = Object.keys(cluster.workers ?? {}).length;
        res.writeHead(alive > 0 ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(alive > 0 ? 'ok\n' : 'no workers\n');
        return;
      }
      if (path === '/metrics') {
        registry.clusterMetrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          () => {
            res.writeHead(500);
            res.end();
          },
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    admin.on('error', (err) => logger.error({ event: 'admin_listen_failed', err: err.message }, 'admin listener failed'));
    admin.listen(config.admin.listen.port, config.admin.listen.host, () => {
      logger.info({ event: 'listening', listener: 'admin', address: admin.address() }, 'admin listener started (cluster primary)');
    });
  }
  const stop = (): void => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.info({ event: 'cluster_started', workers: count }, `started ${count} workers`);
}

/**
 * prom-client installs the worker side of its metrics aggregation only when an AggregatorRegistry
 * is constructed, so each worker makes one (and keeps its metrics on the global registry).
 */
export function installWorkerMetricsResponder(): void {
  new AggregatorRegistry();
}
