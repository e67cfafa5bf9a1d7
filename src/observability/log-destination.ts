// Where the log goes: stdout, through a BufferedLogStream (batched asynchronous writes). What is
// buffered is written before the process exits: flushLog on a clean stop (it waits for a write in
// flight), flushLogSync on paths that exit at once, and a process 'exit' hook behind both (pino's
// own exit hook covers only its sonic-boom destinations, and through a weak reference).
import { pino, type Logger } from 'pino';
import { BufferedLogStream } from './buffered-log-stream.js';

/** A clean stop waits no longer than this for a destination that stopped taking bytes. */
const FLUSH_WAIT_MS = 2000;

const open = new Set<BufferedLogStream>();

export function createLogDestination(): BufferedLogStream {
  const destination = new BufferedLogStream(1);
  if (open.size === 0) process.on('exit', flushAllSync);
  open.add(destination);
  return destination;
}

/** Writes out everything the logger's destination holds, including a write in flight; then resolves. */
export async function flushLog(logger: Logger): Promise<void> {
  const destination = bufferedDestination(logger);
  if (destination === undefined) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FLUSH_WAIT_MS);
    timer.unref();
    destination.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Synchronous flush, for paths that exit without another event-loop turn. */
export function flushLogSync(logger: Logger): void {
  bufferedDestination(logger)?.flushSync();
}

/** The logger's destination when it is ours (a logger given another stream, as in tests, has none to flush). */
function bufferedDestination(logger: Logger): BufferedLogStream | undefined {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym];
  return stream instanceof BufferedLogStream ? stream : undefined;
}

function flushAllSync(): void {
  for (const destination of open) destination.flushSync();
}
