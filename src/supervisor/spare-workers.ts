// Booted workers waiting for a generation: Node's start-up and module loading (most of a worker's
// start time) happen before a reload or a crash restart needs the worker, not during it.
import cluster, { type Worker } from 'node:cluster';
import { isWorkerMessage } from './ipc.js';

/**
 * V8 heap sizes for workers (issue 11, peak RSS; figures in deploy/README.md, "Memory"). Either is
 * left out when the operator gives the supervisor a size of that kind (NODE_OPTIONS or the
 * command line): the workers inherit the operator's instead.
 * - Young generation, per semi-space, in MB. Node 24 sizes it from the heap limit (tens of MB) and
 *   a busy worker fills it between scavenges. At 4 MB no cost per request was measurable; at 2 MB
 *   about 5 µs a request on Node 20.
 * - Old generation limit, in MB. V8 sizes the first old-generation collection from the limit,
 *   which defaults to gigabytes, so promoted garbage piled up to 40 MB before the first one. A
 *   worker's live heap is about 16 MB; 512 MB leaves room for 10,000 connections and large CRLs.
 *   Past it the worker dies and the supervisor replaces it.
 */
const WORKER_HEAP_FLAGS: readonly { readonly flag: string; readonly set: RegExp }[] = [
  { flag: '--max-semi-space-size=4', set: /--max[-_]semi[-_]space[-_]size/ },
  { flag: '--max-old-space-size=512', set: /--max[-_](?:old[-_]space|heap)[-_]size/ },
];

/** The workers' Node flags: the supervisor's own, plus the heap sizes it does not set itself. */
export function workerExecArgv(supervisorArgv: readonly string[], nodeOptions = ''): string[] {
  const argv = [...supervisorArgv];
  for (const { flag, set } of WORKER_HEAP_FLAGS) {
    if (!supervisorArgv.some((a) => set.test(a)) && !set.test(nodeOptions)) argv.push(flag);
  }
  return argv;
}

export interface BootingWorker {
  readonly worker: Worker;
  /** Resolves when the worker said hello (its modules are loaded). */
  readonly booted: Promise<void>;
}

export class SpareWorkers {
  private readonly spares: BootingWorker[] = [];
  private stopped = false;

  constructor(private readonly target: number) {
    cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  }

  /** A spare (booted or booting), or a fresh fork when there is none; a replacement starts booting. */
  take(): BootingWorker {
    const spare = this.spares.shift() ?? boot();
    this.refill();
    return spare;
  }

  refill(): void {
    while (!this.stopped && this.spares.length < this.target) {
      const b = boot();
      this.spares.push(b);
      b.worker.once('exit', () => {
        const i = this.spares.indexOf(b);
        if (i >= 0) this.spares.splice(i, 1);
      });
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.spares.splice(0)) s.worker.process.kill('SIGKILL');
  }
}

function boot(): BootingWorker {
  const worker = cluster.fork();
  worker.on('error', () => undefined);
  const booted = new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (isWorkerMessage(m) && m.cg === 'hello') {
        worker.off('message', onMessage);
        resolve();
      }
    };
    worker.on('message', onMessage);
    worker.once('exit', (code, signal) => reject(new Error(`worker exited before it booted (code ${code}, signal ${signal})`)));
  });
  booted.catch(() => undefined);
  return { worker, booted };
}
