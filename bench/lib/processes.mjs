// Child processes of a benchmark runner: started pinned to a core (taskset, optionally nice),
// their output tail kept for error messages, stopped with a SIGKILL fallback, and every process
// tree killed when the runner exits (a killed nginx master leaves its worker behind otherwise).
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

const TAIL = 8000;

/** The last TAIL bytes of a file ('' if it cannot be read). */
function fileTail(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, TAIL));
    readSync(fd, buf, 0, buf.length, size - buf.length);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

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

  /**
   * Starts `cmd` pinned to `cpu`. With `logFile`, stdout and stderr go to that file (truncated) as
   * they would in a deployment, instead of through a pipe the runner must read (reading megabytes
   * of access lines costs the runner CPU on the measured machine); `p.output` is then the file's tail.
   */
  function start(name, cpu, cmd, argv, { logFile, ...opts } = {}) {
    const pinned = ['taskset', '-c', String(cpu), cmd, ...argv];
    const [bin, args] = nice ? ['nice', ['-n', String(nice), ...pinned]] : [pinned[0], pinned.slice(1)];
    if (logFile) {
      const fd = openSync(logFile, 'w');
      let p;
      try {
        p = spawn(bin, args, { cwd, stdio: ['ignore', fd, fd], ...opts });
      } finally {
        closeSync(fd);
      }
      p.benchName = name;
      p.logFile = logFile;
      Object.defineProperty(p, 'output', { get: () => fileTail(logFile) });
      return track(p);
    }
    const p = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    p.benchName = name;
    p.output = '';
    const keep = (d) => {
      p.output = (p.output + d).slice(-TAIL);
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
