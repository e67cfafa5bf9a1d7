// Baseline: forward with node:http request() and a keep-alive Agent.
import http from 'node:http';
import { badGateway, createMtlsServer, downstreamHeadersFromObject, hasBody, options, upstreamRequestHeadersObject } from './common.mjs';

const opts = options();
const up = new URL(opts.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections, maxFreeSockets: opts.connections, keepAliveMsecs: 60_000 });

createMtlsServer(opts, (req, res) => {
  const preq = http.request({
    host: up.hostname,
    port: up.port || 80,
    method: req.method,
    path: req.url,
    headers: upstreamRequestHeadersObject(req),
    agent,
  });
  preq.on('response', (pres) => {
    res.writeHead(pres.statusCode, downstreamHeadersFromObject(pres.headers));
    pres.pipe(res);
  });
  preq.on('error', (err) => badGateway(res, err));
  res.on('close', () => {
    if (!res.writableFinished) preq.destroy();
  });
  if (hasBody(req)) req.pipe(preq);
  else preq.end();
});
