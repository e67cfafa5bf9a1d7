// `pidFile`, `reload` and `shutdown`: how the supervisor (src/supervisor/) runs the gateway.
// Defaults follow Kubernetes' pod lifecycle: no delay unless asked, 30 s to drain (its
// terminationGracePeriodSeconds default).
import type { ConfigSection } from './config-section.js';
import { resolveConfigPath } from './load-context.js';
import type { ReloadConfig, ShutdownConfig } from './types.js';

export const OPERATIONS_KEYS = ['pidFile', 'reload', 'shutdown'] as const;

const DEFAULT_RELOAD: ReloadConfig = Object.freeze({ watch: true, debounce: 200 });
const DEFAULT_SHUTDOWN: ShutdownConfig = Object.freeze({ delay: 0, drainTimeout: 30_000 });

export interface OperationsConfig {
  readonly pidFile?: string;
  readonly reload: ReloadConfig;
  readonly shutdown: ShutdownConfig;
}

export function readOperations(top: ConfigSection): OperationsConfig {
  const pid = top.string('pidFile');
  const r = top.section('reload', ['watch', 'debounce']);
  const reload: ReloadConfig = Object.freeze({
    watch: r?.boolean('watch') ?? DEFAULT_RELOAD.watch,
    debounce: r?.duration('debounce', { min: 0 }) ?? DEFAULT_RELOAD.debounce,
  });
  const s = top.section('shutdown', ['delay', 'drainTimeout']);
  const shutdown: ShutdownConfig = Object.freeze({
    delay: s?.duration('delay', { min: 0 }) ?? DEFAULT_SHUTDOWN.delay,
    drainTimeout: s?.duration('drainTimeout', { min: 0 }) ?? DEFAULT_SHUTDOWN.drainTimeout,
  });
  return { ...(pid !== undefined ? { pidFile: resolveConfigPath(top.ctx, pid) } : {}), reload, shutdown };
}
