// The listening sockets, bound once by the supervisor and handed to every worker of every
// generation. Workers only accept; the socket itself outlives them, so connections that arrive
// while one generation hands over to the next (or while a crashed worker restarts) wait in the
// kernel's accept queue instead of being refused.
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import type { GatewayConfig, HostPort } from '../config/types.js';

/** Node's bound-but-not-listening TCP handle (what node:cluster's primary creates for its workers). */
export interface ServerHandle {
  getsockname(out: Record<string, unknown>): number;
  close(): void;
}

type CreateServerHandle = (address: string, port: number, addressType: number, fd?: number, flags?: number) => ServerHandle | number;

interface Bound {
  readonly handle: ServerHandle;
  readonly address: HostPort;
}

export class ListenSockets {
  private readonly bound = new Map<string, Bound>();

  /** Binds what `config` needs and is not bound yet; returns the handle of each listener. */
  async bindFor(config: GatewayConfig): Promise<Map<string, Bound>> {
    const out = new Map<string, Bound>();
    const fresh: string[] = [];
    try {
      for (const l of config.listeners) {
        const key = socketKey(l.name, l.listen);
        let b = this.bound.get(key);
        if (!b) {
          b = await bind(l.listen);
          this.bound.set(key, b);
          fresh.push(key);
        }
        out.set(l.name, b);
      }
    } catch (err) {
      for (const key of fresh) this.release(key);
      throw err;
    }
    return out;
  }

  /** Closes sockets no listener of `configs` uses (after the generation that used them is gone). */
  releaseUnused(configs: readonly GatewayConfig[]): void {
    const used = new Set(configs.flatMap((c) => c.listeners.map((l) => socketKey(l.name, l.listen))));
    for (const key of [...this.bound.keys()]) if (!used.has(key)) this.release(key);
  }

  closeAll(): void {
    for (const key of [...this.bound.keys()]) this.release(key);
  }

  private release(key: string): void {
    this.bound.get(key)?.handle.close();
    this.bound.delete(key);
  }
}

/** A fixed address is one socket whatever the listener is called; port 0 ("any") is one per listener. */
function socketKey(name: string, at: HostPort): string {
  return at.port === 0 ? `${at.host}:0#${name}` : `${at.host}:${at.port}`;
}

async function bind(at: HostPort): Promise<Bound> {
  const ip = net.isIP(at.host) ? at.host : (await lookup(at.host)).address;
  // Linux lets a SO_REUSEADDR socket bind a port another socket listens on and fails only at
  // listen(), which happens in the workers; probe now so a port in use is the supervisor's error.
  if (at.port !== 0) await probeFree(ip, at);
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const handle = create(ip, at.port, net.isIPv6(ip) ? 6 : 4);
  if (typeof handle === 'number') {
    const err = new Error(`cannot bind ${at.host}:${at.port} (errno ${handle})`) as NodeJS.ErrnoException;
    err.code = handle === -98 ? 'EADDRINUSE' : handle === -13 ? 'EACCES' : 'EBIND';
    err.message = `cannot bind ${at.host}:${at.port}: ${err.code}`;
    throw err;
  }
  const name: Record<string, unknown> = {};
  handle.getsockname(name);
  return { handle, address: { host: typeof name.address === 'string' ? name.address : ip, port: Number(name.port ?? at.port) } };
}

function probeFree(ip: string, at: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const e = new Error(`cannot bind ${at.host}:${at.port}: ${err.code ?? err.message}`) as NodeJS.ErrnoException;
      if (err.code !== undefined) e.code = err.code;
      reject(e);
    });
    probe.listen({ host: ip, port: at.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
