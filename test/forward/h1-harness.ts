// Shared pieces of the h1 engine tests: a front server that forwards through an UpstreamClient
// (as the pipeline does) and a small client that reports what a standard parser (llhttp) read.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardRequest, type UpstreamClient } from '../../src/forward/forward-request.js';
import { H1Client } from '../../src/forward/h1/h1-client.js';
import type { ConnectionSettings } from '../../src/forward/h1/h1-connection.js';

function h1Settings(port: number, over: Partial<ConnectionSettings> = {}): ConnectionSettings {
  return {
    https: false,
    host: '127.0.0.1',
    port,
    tls: undefined,
    connections: 8,
    queue: 1024,
    connectTimeout: 2_000,
    responseTimeout: 5_000,
    idleTimeout: 5_000,
    keepAliveTimeout: 4_000,
    ...over,
  };
}

export function h1Client(port: number, over: Partial<ConnectionSettings> = {}): H1Client {
  return new H1Client(h1Settings(port, over));
}

export interface Front {
  readonly port: number;
  readonly results: { upstreamStatus?: number; code?: string; aborted?: boolean }[];
  readonly server: http.Server;
  /** resolves once `n` forwards have ended (answered, failed or aborted) */
  resultCount(n: number): Promise<void>;
  close(): Promise<void>;
}

const ERROR_STATUS: Record<string, number> = { UPSTREAM_TIMEOUT: 504, UPSTREAM_BUSY: 503, BAD_REQUEST: 400 };

/**
 * A plain HTTP server forwarding every request through forwardRequest (as the pipeline does, with
 * `bodyBuffer` as the listener's limit), errors as 502/503/504/400 + x-h1-error.
 */
export async function startFront(client: UpstreamClient, bodyBuffer = 64 * 1024): Promise<Front> {
  const results: Front['results'] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    res.sendDate = false;
    const headers: string[] = ['host', 'upstream.test'];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const n = req.rawHeaders[i]!.toLowerCase();
      if (n === 'host' || n === 'connection' || n === 'transfer-encoding' || n === 'keep-alive') continue;
      headers.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    }
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    forwardRequest(req, res, { client, method: req.method!, path: req.url!, headers, hasBody, bodyBuffer }, (r) => {
      results.push({ upstreamStatus: r.upstreamStatus, code: r.error?.code, aborted: r.aborted });
      for (const w of waiters) if (results.length >= w.n) w.resolve();
      if (r.error && !res.headersSent) {
        res.writeHead(ERROR_STATUS[r.error.code] ?? 502, { 'x-h1-error': (r.error.cause as { code?: string } | undefined)?.code ?? r.error.code });
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    results,
    server,
    resultCount: (n) => (results.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export type Outcome =
  { kind: 'ok'; status: number; headers: string[]; body: Buffer } | { kind: 'head-error'; detail: string } | { kind: 'body-error'; status: number; headers: string[] };

/** GET through node:http (llhttp). Raw headers are returned as received. */
export function fetchOutcome(port: number, path: string, agent: http.Agent | false, timeoutMs = 5_000): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      settle({ kind: 'head-error', detail: 'timeout' });
      req.destroy();
    }, timeoutMs);
    let responded = false;
    const req = http.request({ host: '127.0.0.1', port, path, agent, maxHeaderSize: 64 * 1024 }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      const status = res.statusCode!;
      const headers = res.rawHeaders;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle({ kind: 'ok', status, headers, body: Buffer.concat(chunks) }));
      res.on('error', () => settle({ kind: 'body-error', status, headers }));
      res.on('close', () => {
        if (!res.complete) settle({ kind: 'body-error', status, headers });
      });
    });
    // An error after the response head (bytes after a complete response, for one) belongs to the
    // connection; what the response itself was is decided by res's own end/close.
    req.on('error', (err) => responded || settle({ kind: 'head-error', detail: (err as Error & { code?: string }).code ?? err.message }));
    // llhttp reports a 101 as an upgrade: the HTTP exchange is over, no response to compare.
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      settle({ kind: 'head-error', detail: 'upgrade' });
    });
    req.end();
  });
}
