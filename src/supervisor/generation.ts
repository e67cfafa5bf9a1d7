// A generation: the workers started from one validated config. It starts them (handing each the
// listening sockets), knows when all are ready, restarts one that dies with backoff, asks them
// for metrics, and drains them.
import type { Worker } from 'node:cluster';
import type { GatewayConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { isWorkerMessage, type SupervisorMessage, type WorkerMessage } from './ipc.js';
import type { ServerHandle } from './listen-sockets.js';
import type { BootingWorker } from './spare-workers.js';

/** A generation whose workers are not all ready by then has failed. */
const START_TIMEOUT_MS = 60_000;
/** Past the drain deadline, a worker that has not exited is killed. */
const DRAIN_KILL_GRACE_MS = 5_000;
const RESTART_BACKOFF_MIN_MS = 100;
const RESTART_BACKOFF_MAX_MS = 10_000;
/** A worker up this long before dying resets the backoff. */
const BACKOFF_RESET_MS = 30_000;
const METRICS_TIMEOUT_MS = 5_000;

export interface GenerationDeps {
  readonly id: number;
  readonly config: GatewayConfig;
  /** SHA-256 over the config file and every file it names. */
  readonly digest: string;
  readonly workerCount: number;
  readonly handles: ReadonlyMap<string, { readonly handle: ServerHandle }>;
  readonly logger: Logger;
  /** Called when a worker of a serving generation died and is being restarted. */
  readonly onRestart: () => void;
  /** A booted (or booting) worker process (src/supervisor/spare-workers.ts). */
  readonly takeWorker: () => BootingWorker;
}

type State = 'starting' | 'serving' | 'draining' | 'gone';

interface Slot {
  readonly worker: Worker;
  readonly startedAt: number;
  ready: boolean;
}

export class Generation {
  readonly id: number;
  readonly config: GatewayConfig;
  readonly digest: string;
  private state: State = 'starting';
  private readonly slots = new Map<number, Slot>();
  private crashes = 0;
  private lastCrash = 0;
  private nextMetricsId = 1;
  private readonly pendingMetrics = new Map<number, (data: unknown) => void>();
  private allExited: (() => void) | undefined;
  private startWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: GenerationDeps) {
    this.id = deps.id;
    this.config = deps.config;
    this.digest = deps.digest;
  }

  /** Forks every worker; resolves once all are ready, rejects (and stops them) if one fails. */
  start(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.startWaiter = { resolve, reject }));
    for (let i = 0; i < this.deps.workerCount; i++) this.fork();
    const timer = setTimeout(() => this.failStart(`workers not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    return done.finally(() => clearTimeout(timer));
  }

  get readyWorkers(): number {
    let n = 0;
    for (const s of this.slots.values()) if (s.ready) n += 1;
    return n;
  }

  get pids(): number[] {
    return [...this.slots.values()].map((s) => s.worker.process.pid).filter((p): p is number => p !== undefined);
  }

  /** Every worker's metrics as prom-client JSON (for AggregatorRegistry.aggregate). */
  async collectMetrics(): Promise<unknown[]> {
    const asks = [...this.slots.values()]
      .filter((s) => s.ready && s.worker.isConnected())
      .map((s) => {
        const id = this.nextMetricsId++;
        return new Promise<unknown>((resolve) => {
          const timer = setTimeout(() => {
            this.pendingMetrics.delete(id);
            resolve(undefined);
          }, METRICS_TIMEOUT_MS);
          this.pendingMetrics.set(id, (data) => {
            clearTimeout(timer);
            resolve(data);
          });
          this.send(s.worker, { cg: 'metrics', id });
        });
      });
    return (await Promise.all(asks)).filter((d) => Array.isArray(d));
  }

  /** Tells every worker to drain; resolves when all have exited. */
  drain(timeoutMs: number): Promise<void> {
    if (this.state === 'gone') return Promise.resolve();
    const wasStarting = this.state === 'starting';
    this.state = 'draining';
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    const exited = new Promise<void>((resolve) => (this.allExited = resolve));
    if (this.slots.size === 0) this.markGone();
    for (const s of this.slots.values()) {
      if (wasStarting || !s.ready) s.worker.process.kill('SIGKILL');
      else this.send(s.worker, { cg: 'drain', timeoutMs });
    }
    const killer = setTimeout(() => {
      for (const s of this.slots.values()) s.worker.process.kill('SIGKILL');
    }, timeoutMs + DRAIN_KILL_GRACE_MS);
    killer.unref();
    return exited.finally(() => clearTimeout(killer));
  }

  /** At once, for a second signal. */
  kill(): void {
    for (const s of this.slots.values()) s.worker.process.kill('SIGKILL');
  }

  private fork(): void {
    const { worker, booted } = this.deps.takeWorker();
    const slot: Slot = { worker, startedAt: Date.now(), ready: false };
    this.slots.set(worker.id, slot);
    worker.on('message', (m: unknown) => {
      if (isWorkerMessage(m)) this.onMessage(slot, m);
    });
    worker.on('error', () => undefined); // an IPC write to a dying worker; its exit is handled below
    worker.on('exit', (code, signal) => this.onExit(slot, code, signal));
    booted.then(
      () => {
        if (this.state === 'draining' || this.state === 'gone') return;
        for (const [listener, b] of this.deps.handles) this.send(worker, { cg: 'handle', listener }, b.handle);
        this.send(worker, { cg: 'start', generation: this.id });
      },
      () => undefined,
    ); // exited while booting: onExit does the bookkeeping
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    switch (m.cg) {
      case 'hello':
        return; // handled by the boot promise
      case 'ready':
        slot.ready = true;
        this.deps.logger.info({ event: 'worker_ready', generation: this.id, pid: slot.worker.process.pid }, 'worker ready');
        if (this.state === 'starting' && this.readyWorkers === this.deps.workerCount) {
          this.state = 'serving';
          this.startWaiter?.resolve();
        }
        return;
      case 'failed':
        this.deps.logger.error({ event: 'worker_failed', generation: this.id, pid: slot.worker.process.pid, message: m.message }, 'worker could not start');
        if (this.state === 'starting') this.failStart(`a worker could not start: ${m.message}`);
        return;
      case 'metrics':
        this.pendingMetrics.get(m.id)?.(m.data);
        this.pendingMetrics.delete(m.id);
        return;
    }
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    this.slots.delete(slot.worker.id);
    const pid = slot.worker.process.pid;
    if (this.state === 'draining') {
      if (this.slots.size === 0) this.markGone();
      return;
    }
    if (this.state === 'starting') {
      this.failStart(`a worker exited before it was ready (code ${code}, signal ${signal})`);
      return;
    }
    if (this.state !== 'serving') return;
    const now = Date.now();
    if (now - this.lastCrash > BACKOFF_RESET_MS && now - slot.startedAt > BACKOFF_RESET_MS) this.crashes = 0;
    this.crashes += 1;
    this.lastCrash = now;
    const delayMs = Math.min(RESTART_BACKOFF_MIN_MS * 2 ** (this.crashes - 1), RESTART_BACKOFF_MAX_MS);
    this.deps.logger.error({ event: 'worker_exit', generation: this.id, pid, code, signal, restartInMs: delayMs }, `worker died; restarting in ${delayMs} ms`);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.state !== 'serving') return;
      this.deps.onRestart();
      this.fork();
    }, delayMs);
    this.restartTimers.add(timer);
  }

  private failStart(reason: string): void {
    if (this.state !== 'starting') return;
    const waiter = this.startWaiter;
    this.startWaiter = undefined;
    void this.drain(0);
    waiter?.reject(new Error(reason));
  }

  private markGone(): void {
    this.state = 'gone';
    this.allExited?.();
  }

  private send(worker: Worker, m: SupervisorMessage, handle?: ServerHandle): void {
    if (!worker.isConnected()) return;
    try {
      worker.send(m, handle as never, () => undefined);
    } catch {
      // The worker is going away; its exit event does the bookkeeping.
    }
  }
}
