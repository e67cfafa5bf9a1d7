// CPU and memory figures from /proc: per-core busy share, CPU time and peak RSS of a process tree.
import { readFileSync } from 'node:fs';
import { procTree } from './processes.mjs';

/** Idle and total jiffies of every core, from /proc/stat. */
export function cpuTimes() {
  const lines = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l));
  return lines.map((l) => {
    const f = l.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  });
}

/** Busy % of each core between two cpuTimes() samples (any process). */
export function cpuBusy(a, b) {
  return a.map((x, i) => Math.round((1 - (b[i].idle - x.idle) / Math.max(1, b[i].total - x.total)) * 100));
}

const CLK_TCK = 100; // USER_HZ on Linux
/** CPU seconds (user+system) used so far by a process tree. */
export function treeCpuSeconds(pid) {
  let ticks = 0;
  for (const p of procTree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {}
  }
  return ticks / CLK_TCK;
}

/**
 * Peak RSS (VmHWM) in MB of a process tree: `largest` is the largest single process (the serving
 * worker, for certgate and nginx), `tree` the sum (certgate: supervisor + worker + booted spare).
 */
export function peakRssMB(pid) {
  const kbs = [];
  for (const p of procTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kbs.push(Number(m[1]));
    } catch {}
  }
  const mb = (kb) => Math.round(kb / 102.4) / 10;
  return { largest: mb(Math.max(0, ...kbs)), tree: mb(kbs.reduce((a, b) => a + b, 0)) };
}
