// One run of the load generator (loadgen/mtls-load) pinned to a core, with the CPU figures of the
// measured window: core busy %, and the CPU time of watched process trees (the proxy, the upstream).
import { cpuBusy, cpuTimes, treeCpuSeconds } from './cpu-usage.mjs';
import { spawn } from 'node:child_process';

/** CPU seconds of each watched process tree now. */
const watchedCpu = (watch) => Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, treeCpuSeconds(pid)]));

/**
 * Returns loadgen(argv, cpu, watch, warmup): runs `binary` on `cpu`; `watch` maps a label to a pid
 * whose tree's CPU time is accounted. Core busy % and the watched CPU are sampled when the warm-up
 * ends (a timer of `warmup` seconds after the spawn) and at exit, so `cpu_busy_pct` covers the
 * measured window; `track` registers the child with the runner's process group.
 */
export function loadgenRunner({ binary, nice, track }) {
  return (argv, cpu, watch, warmup) =>
    new Promise((resolveP, reject) => {
      const start0 = { t: performance.now(), cores: cpuTimes(), watched: watchedCpu(watch), self: 0 };
      const p = spawn('nice', ['-n', String(nice), 'taskset', '-c', cpu, binary, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      track(p);
      let window = start0;
      const sampleWindowStart = () => (window = { t: performance.now(), cores: cpuTimes(), watched: watchedCpu(watch), self: treeCpuSeconds(p.pid) });
      const timer = warmup > 0 ? setTimeout(sampleWindowStart, warmup * 1000) : null;
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('exit', (code) => {
        clearTimeout(timer);
        const end = { t: performance.now(), cores: cpuTimes(), watched: watchedCpu(watch) };
        if (code !== 0) return reject(new Error(`mtls-load exited ${code}: ${err}`));
        let r;
        try {
          r = JSON.parse(out);
        } catch {
          return reject(new Error(`mtls-load output: ${out} ${err}`));
        }
        r.cpu_busy_pct = cpuBusy(window.cores, end.cores); // [core0, core1, ...], measured window
        r.cpu_busy_pct_whole_run = cpuBusy(start0.cores, end.cores);
        r.window_s = Math.round(end.t - window.t) / 1000;
        r.window_cpu_s = Math.round((r.cpu_s - window.self) * 1000) / 1000;
        for (const k of Object.keys(watch)) {
          const used = end.watched[k] - start0.watched[k];
          r[`${k}_cpu_s`] = Math.round(used * 100) / 100;
          r[`${k}_window_cpu_s`] = Math.round((end.watched[k] - window.watched[k]) * 100) / 100;
          // per response over the whole run (warm-up included): more samples at 10 ms tick resolution
          r[`${k}_cpu_us_per_req`] = r.requests_total ? Math.round((used * 1e7) / r.requests_total) / 10 : null;
        }
        resolveP(r);
      });
    });
}
