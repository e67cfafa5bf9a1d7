// Loopback ports for a benchmark run: a free one to configure, and waiting until a started process
// listens on one (failing at once, with its output, if the process exited instead).
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port the OS reports free on 127.0.0.1 (the caller's process binds it right after). */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Resolves once 127.0.0.1:port accepts a connection; `p` is the process expected to listen. */
export async function waitPort(port, p, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (p && p.exitCode !== null) throw new Error(`${p.benchName} exited (${p.exitCode}):\n${p.output}`);
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms${p ? `:\n${p.output}` : ''}`);
}
