// Starts the real gateway in-process from a YAML config written to a temp dir, with its pino log
// captured, plus real loopback upstreams and an mTLS client. No mocks: real handshakes, real sockets.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';

export interface LogCapture {
  readonly lines: Record<string, unknown>[];
  readonly raw: string[];
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined;
}

export function captureLogger(level = 'info'): { logger: pino.Logger; logs: LogCapture } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const logger = pino({ level }, stream);
  return { logger, logs: { lines, raw, find: (p) => lines.find(p) } };
}

export async function tempDir(prefix = 'certgate-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface TestGateway {
  readonly gateway: RunningGateway;
  readonly logs: LogCapture;
  port(listener?: string): number;
  close(): Promise<void>;
}

/** Writes `yaml` as dir/gateway.yaml, loads it through the real config loader and starts the gateway. */
export async function startTestGateway(dir: string, yaml: string, env: NodeJS.ProcessEnv = process.env): Promise<TestGateway> {
  const file = path.join(dir, 'gateway.yaml');
  await fs.writeFile(file, yaml);
  const config = await loadConfig(file, { env });
  const { logger, logs } = captureLogger();
  const gateway = await startGateway(config, { logger });
  return {
    gateway,
    logs,
    port: (listener) => gateway.addresses.get(listener ?? config.listeners[0]!.name)!.port,
    close: async () => {
      await gateway.close();
    },
  };
}

export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: string[];
  readonly bodyBytes: number;
}

/** A real upstream on loopback that records what reached it and answers 200 JSON. */
export async function startRecordingUpstream(
  respond?: (req: http.IncomingMessage, res: http.ServerResponse, received: ReceivedRequest) => void,
  tlsOptions?: https.ServerOptions,
): Promise<{ url: string; port: number; received: ReceivedRequest[]; server: http.Server; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let bodyBytes = 0;
    req.on('data', (c: Buffer) => (bodyBytes += c.length));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes };
      received.push(r);
      if (respond) return respond(req, res, r);
      const body = JSON.stringify({ ok: true, bodyBytes });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: () => Record<string, unknown>;
  readonly sessionReused: boolean;
}

export interface ClientOptions {
  readonly port: number;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly path?: string;
  readonly method?: string;
  readonly headers?: http.OutgoingHttpHeaders | string[];
  readonly body?: string | Buffer;
  readonly agent?: https.Agent | false;
  readonly servername?: string;
}

/** One HTTPS request over a real mTLS connection. */
export function mtlsRequest(opts: ClientOptions): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: opts.servername ?? 'localhost',
        port: opts.port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        // Node adds Host only for object headers; a raw list must carry it itself.
        headers: (Array.isArray(opts.headers) ? ['Host', `localhost:${opts.port}`, ...opts.headers] : opts.headers) as http.OutgoingHttpHeaders,
        agent: opts.agent ?? false,
      },
      (res) => {
        const sessionReused = (res.socket as import('node:tls').TLSSocket | null)?.isSessionReused() ?? false;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body,
            json: () => JSON.parse(body) as Record<string, unknown>,
            sessionReused,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes PEM (or any text) files into `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  await Promise.all(Object.entries(files).map(([name, text]) => fs.writeFile(path.join(dir, name), text)));
}

/**
 * A temp dir holding the listener side of the test PKI as server.pem, server-key.pem and ca.pem
 * (the root CA), plus any extra files: what most e2e configs name.
 */
export async function listenerDir(pki: { server: { certPem: string; keyPem: string }; rootCa: { certPem: string } }, extra: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir();
  await writeFiles(dir, { 'server.pem': pki.server.certPem, 'server-key.pem': pki.server.keyPem, 'ca.pem': pki.rootCa.certPem, ...extra });
  return dir;
}
