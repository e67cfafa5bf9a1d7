// The supervisor's own metrics, served after the workers' summed ones. Names follow Prometheus'
// own reload metrics (prometheus_config_last_reload_successful and friends).
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';

export interface SupervisorMetrics {
  readonly registry: Registry;
  readonly workerRestarts: Counter;
  readonly reloads: Counter<'result'>;
  readonly lastReloadSuccessful: Gauge;
  readonly lastReloadSuccessTime: Gauge;
  readonly generation: Gauge;
  readonly configInfo: Gauge<'sha256'>;
}

export function createSupervisorMetrics(): SupervisorMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    workerRestarts: new Counter({ name: 'certgate_worker_restarts_total', help: 'Workers restarted after they died unexpectedly', registers }),
    reloads: new Counter({ name: 'certgate_config_reload_total', help: 'Config reloads, by result (success or failure)', labelNames: ['result'] as const, registers }),
    lastReloadSuccessful: new Gauge({ name: 'certgate_config_last_reload_successful', help: '1 when the last reload attempt succeeded, 0 when it failed', registers }),
    lastReloadSuccessTime: new Gauge({ name: 'certgate_config_last_reload_success_timestamp_seconds', help: 'When the serving config was loaded', registers }),
    generation: new Gauge({ name: 'certgate_config_generation', help: 'Number of the serving generation (1 at start, +1 per successful reload)', registers }),
    configInfo: new Gauge({
      name: 'certgate_config_info',
      help: 'Always 1; sha256 is the SHA-256 over the serving config file and every file it names',
      labelNames: ['sha256'] as const,
      registers,
    }),
  };
}

/** /metrics under the supervisor: the serving workers' metrics summed, then the supervisor's own. */
export async function clusterMetricsText(perWorker: readonly unknown[], supervisor: Registry): Promise<string> {
  const summed = perWorker.length > 0 ? await AggregatorRegistry.aggregate(perWorker as never).metrics() : '';
  return `${summed}${summed.endsWith('\n') || summed === '' ? '' : '\n'}${await supervisor.metrics()}`;
}
