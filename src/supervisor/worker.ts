// A worker process: boots (modules loaded) and says hello, then waits: the supervisor keeps one
// booted spare so that a reload or a crash restart does not pay for Node's start-up. When told to
// start it loads the config the supervisor validated, takes the listening sockets the supervisor
// hands over, runs the gateway, says when it is ready and drains when told. Signals
// are the supervisor's business: a terminal's Ctrl-C reaches the whole process group, and a
// worker must then wait for the supervisor's drain order rather than die on its own.
import { loadConfig } from '../config/load-config.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { flushLog, flushLogSync } from '../observability/log-destination.js';
import { startGateway, type RunningGateway } from '../gateway.js';
import { isSupervisorMessage, type WorkerMessage } from './ipc.js';

/** How long a worker whose supervisor vanished drains before it exits. */
const ORPHAN_DRAIN_MS = 10_000;

/** The IPC channel keeps a worker alive, so a failed one exits explicitly once its report is sent. */
function failAndExit(message: string, code: number): Promise<number> {
  const exit = (): never => process.exit(code);
  if (process.connected && process.send) process.send({ cg: 'failed', message } satisfies WorkerMessage, exit);
  else exit();
  return new Promise(() => undefined);
}

export async function runWorker(configPath: string): Promise<number> {
  const send = (m: WorkerMessage): void => {
    if (process.connected) process.send?.(m);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);
  const handles = new Map<string, object>();
  let gateway: RunningGateway | undefined;
  let logger: Logger | undefined;
  let draining: Promise<void> | undefined;

  const drain = (timeoutMs: number): Promise<void> =>
    (draining ??= (async () => {
      logger?.info({ event: 'worker_draining', timeoutMs }, 'draining');
      const { cut } = gateway ? await gateway.close(timeoutMs) : { cut: 0 };
      logger?.info({ event: 'worker_drained', cut }, cut > 0 ? `drained; cut ${cut} connection(s) at the deadline` : 'drained');
      // The last requests' access lines may still sit in the log buffer.
      if (logger) await flushLog(logger);
      process.exit(0);
    })());

  const started = new Promise<number>((resolve) => {
    process.on('message', (msg: unknown, handle: unknown) => {
      if (!isSupervisorMessage(msg)) return;
      switch (msg.cg) {
        case 'handle':
          if (handle) handles.set(msg.listener, handle);
          return;
        case 'start':
          return resolve(msg.generation);
        case 'metrics':
          if (!gateway) return;
          gateway.metrics.registry.getMetricsAsJSON().then(
            (data) => send({ cg: 'metrics', id: msg.id, data }),
            () => send({ cg: 'metrics', id: msg.id, data: [] }),
          );
          return;
        case 'drain':
          void drain(msg.timeoutMs);
          return;
      }
    });
  });
  process.on('disconnect', () => void drain(ORPHAN_DRAIN_MS));
  send({ cg: 'hello' });
  const generation = await started;
  let config;
  try {
    config = await loadConfig(configPath);
  } catch (err) {
    // The file changed between the supervisor's check and this load; the supervisor reports it.
    return failAndExit((err as Error).message, 1);
  }
  logger = createLogger(config.logging.level).child({ generation });
  try {
    gateway = await startGateway(config, { logger, admin: false, listenHandles: handles });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    logger.fatal({ err: { code: e.code, message: e.message } }, 'gateway failed to start');
    flushLogSync(logger);
    return failAndExit(e.message, 2);
  }
  send({ cg: 'ready' });
  return 0;
}
