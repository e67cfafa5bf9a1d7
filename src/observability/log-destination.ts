// Where the log goes: stdout, written asynchronously in blocks of at least BUFFER_BYTES (nginx's
// `access_log ... buffer=`), so a busy worker makes one write per dozens of lines, not one per line.
// A quiet one still shows its lines within FLUSH_INTERVAL_MS (nginx's `flush=`). What is buffered
// is written before the process exits: flushLog on a clean stop (it waits for a write in flight),
// flushLogSync where the event loop is gone (crash paths, process 'exit').
import { pino, type Logger } from 'pino';

const BUFFER_BYTES = 4096;
const FLUSH_INTERVAL_MS = 1000;
/** A flush waits no longer for a destination that stopped taking bytes (stdout reader gone). */
const FLUSH_WAIT_MS = 2000;

type LogDestination = ReturnType<typeof pino.destination>;

const open = new Set<LogDestination>();
let exitHookInstalled = false;

export function createLogDestination(): LogDestination {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES, periodicFlush: FLUSH_INTERVAL_MS });
  open.add(destination);
  destination.once('close', () => open.delete(destination));
  // pino registers an exit flush too, but through a weak reference; this one is certain.
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const d of open) flushDestinationSync(d);
    });
  }
  return destination;
}

/** Writes out everything the logger's destination holds, including a write in flight; then resolves. */
export async function flushLog(logger: Logger): Promise<void> {
  const destination = bufferedDestination(logger);
  if (destination === undefined) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FLUSH_WAIT_MS);
    timer.unref();
    try {
      destination.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
  flushDestinationSync(destination);
}

/** Synchronous flush for paths about to exit without an event loop turn. */
export function flushLogSync(logger: Logger): void {
  const destination = bufferedDestination(logger);
  if (destination !== undefined) flushDestinationSync(destination);
}

function flushDestinationSync(destination: LogDestination): void {
  try {
    destination.flushSync();
  } catch {
    // Destroyed, not yet open, or stdout gone (EPIPE): nothing can be written any more.
  }
}

/** The logger's destination when it is one of ours; loggers given another stream (tests) have nothing to flush. */
function bufferedDestination(logger: Logger): LogDestination | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return open.has(stream as LogDestination) ? (stream as LogDestination) : undefined;
}
