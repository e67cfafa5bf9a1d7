// Waiting on an event instead of a fixed sleep: probe until a condition holds (a log line, a
// metric, a fetch count, an answer), bounded in attempts, with a short pause between probes so a
// loaded machine only makes the wait longer, never the test red.
import { setTimeout as pause } from 'node:timers/promises';

export interface WaitOptions {
  /** What is awaited, for the error message. */
  readonly what: string;
  /** Probes at most (default 400). */
  readonly attempts?: number;
  /** Pause between probes in ms (default 25). */
  readonly intervalMs?: number;
}

/** Calls `probe` until `done(value)`; returns every value seen (the last one satisfied `done`). */
export async function probeUntil<T>(probe: (attempt: number) => Promise<T> | T, done: (value: T) => boolean, opts: WaitOptions): Promise<T[]> {
  const seen: T[] = [];
  const attempts = opts.attempts ?? 400;
  for (let i = 0; i < attempts; i++) {
    const v = await probe(i);
    seen.push(v);
    if (done(v)) return seen;
    await pause(opts.intervalMs ?? 25);
  }
  throw new Error(`timed out waiting for ${opts.what} (${attempts} probes)`);
}

/** Waits until `cond()` is true. */
export async function waitUntil(cond: () => boolean, opts: WaitOptions): Promise<void> {
  await probeUntil(
    () => cond(),
    (v) => v,
    opts,
  );
}
