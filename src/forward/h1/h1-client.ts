// The h1 engine behind the UpstreamClient interface: a purpose-built HTTP/1.1 keep-alive client
// for the proxy's hot path (undici's per-request JS cost kept certgate under its throughput
// target). Cross-checked against llhttp by test/forward/h1-cross-check.test.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UpstreamConfig } from '../../config/types.js';
import type { ForwardDone, ForwardOptions, UpstreamClient } from '../forward-request.js';
import { upstreamFailure } from '../upstream-errors.js';
import { upstreamHost, upstreamTlsOptions } from '../upstream-tls.js';
import type { ConnectionSettings } from './h1-connection.js';
import { H1ConnectionPool } from './h1-connection-pool.js';
import { H1Exchange } from './h1-exchange.js';
import { serializeRequestHead, type RequestHead } from './request-head.js';

export class H1Client implements UpstreamClient {
  private readonly pool: H1ConnectionPool;

  constructor(settings: ConnectionSettings) {
    this.pool = new H1ConnectionPool(settings);
  }

  forward(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions, done: ForwardDone): void {
    let head: RequestHead;
    try {
      const body = opts.body;
      head = serializeRequestHead(opts.method, opts.path, opts.headers, opts.hasBody, body?.complete ? body.length : undefined, opts.block);
    } catch (err) {
      // ERR_REQUEST_HEAD_INVALID: the client's head, answered 400 by upstreamFailure.
      done({ error: upstreamFailure(err) });
      return;
    }
    this.pool.dispatch(new H1Exchange(this.pool, req, res, head, opts.method, opts.hasBody, opts.body, done, opts.idHeader, opts.requestId, opts.wrapResponse));
  }

  /** Waits for in-flight exchanges (queued ones fail). */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Ends every upstream socket now. */
  destroy(): void {
    this.pool.destroy();
  }
}

/** Origin, TLS options (upstream-tls.ts), pool bounds and timeouts of one upstream. */
export function connectionSettings(upstream: UpstreamConfig): ConnectionSettings {
  const url = upstream.url;
  const https = url.protocol === 'https:';
  return {
    https,
    host: upstreamHost(url),
    port: url.port ? Number(url.port) : https ? 443 : 80,
    tls: upstreamTlsOptions(upstream),
    connections: upstream.pool.connections,
    queue: upstream.pool.queue,
    connectTimeout: upstream.timeouts.connect,
    responseTimeout: upstream.timeouts.response,
    idleTimeout: upstream.timeouts.idle,
    keepAliveTimeout: 4_000,
  };
}
