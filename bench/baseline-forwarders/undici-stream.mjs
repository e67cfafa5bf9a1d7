// Baseline: forward with undici Pool.stream (the "naive" forwarder the issue quotes).
import { Pool } from 'undici';
import { badGateway, createMtlsServer, downstreamHeadersFromObject, hasBody, options, upstreamRequestHeaders } from './common.mjs';

const opts = options();
const pool = new Pool(opts.upstream, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });

createMtlsServer(opts, (req, res) => {
  const ac = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  pool
    .stream({ path: req.url, method: req.method, headers: upstreamRequestHeaders(req), body: hasBody(req) ? req : null, signal: ac.signal }, ({ statusCode, headers }) => {
      res.writeHead(statusCode, downstreamHeadersFromObject(headers));
      return res;
    })
    .catch((err) => badGateway(res, err));
});
