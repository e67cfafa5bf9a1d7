// Child processes of a benchmark runner: started pinned to a core (taskset, optionally nice),
// their output tail kept for error messages, stopped with a SIGKILL fallback, and every process
// tree killed when the runner exits (a killed nginx master leaves its worker behind otherwise).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** pid and all its descendants, from /proc. */
export function procTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const tid of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(tid));
    } catch {}
  }
  return out;
}

/**
 * A set of pinned children. `onExit` runs after the trees are killed when the runner exits
 * (e.g. removing a temp dir). Returns { start, stop, track }.
 */
export function processGroup({ nice = 0, cwd, onExit } = {}) {
  const children = new Set();
  const cleanup = () => {
    for (const p of children)
      for (const pid of procTree(p.pid).reverse())
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
    onExit?.();
  };
  process.on('exit', cleanup);
  for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

  /** Registers a child so it is killed with the runner; resolves p.exited with {code, sig}. */
  function track(p) {
    p.exited = new Promise((r) =>
      p.on('exit', (code, sig) => {
        children.delete(p);
        r({ code, sig });
      }),
    );
    children.add(p);
    return p;
  }

  function start(name, cpu, cmd, argv, opts = {}) {
    const pinned = ['taskset', '-c', String(cpu), cmd, ...argv];
    const [bin, args] = nice ? ['nice', ['-n', String(nice), ...pinned]] : [pinned[0], pinned.slice(1)];
    const p = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    p.benchName = name;
    p.output = '';
    const keep = (d) => {
      p.output = (p.output + d).slice(-8000);
    };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    return track(p);
  }

  async function stop(p) {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await p.exited;
    clearTimeout(t);
  }

  return { start, stop, track };
}
