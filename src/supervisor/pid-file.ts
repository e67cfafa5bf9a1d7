// `pidFile`: where `certgate reload` finds the supervisor to send it SIGHUP.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

export function writePidFile(path: string): void {
  writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
}

/** Removes the file only if it still names this process (a newer instance may own it). */
export function removePidFile(path: string): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === process.pid) rmSync(path, { force: true });
  } catch {
    // already gone
  }
}

/** The pid in `path`, or undefined when the file is missing or holds no pid. */
export function readPidFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
