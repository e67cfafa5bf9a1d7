// Booted workers waiting for a generation: Node's start-up and module loading (most of a worker's
// start time) happen before a reload or a crash restart needs the worker, not during it.
import cluster, { type Worker } from 'node:cluster';
import { isWorkerMessage } from './ipc.js';

/**
 * V8's young generation, per semi-space, in MB. Node 24 sizes it from the heap limit (tens of MB),
 * and a worker under load fills it between scavenges: 30 to 80 MB of its peak RSS. The price is
 * more scavenges: at 4 MB none measurable per request; at 2 MB about 5 µs a request on Node 20
 * (figures in deploy/README.md, "Memory"). A size the operator passes to the supervisor
 * (NODE_OPTIONS or the command line) wins.
 */
const WORKER_SEMI_SPACE_MB = 4;

/** The workers' Node flags: the supervisor's own, plus the young-generation size unless set there. */
export function workerExecArgv(supervisorArgv: readonly string[], nodeOptions = ''): string[] {
  const flag = /--max[-_]semi[-_]space[-_]size/;
  if (supervisorArgv.some((a) => flag.test(a)) || flag.test(nodeOptions)) return [...supervisorArgv];
  return [...supervisorArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
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
