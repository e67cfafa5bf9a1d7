// Baseline: forward with undici Pool.dispatch and a handler in undici's native (legacy) form
// (onConnect/onHeaders/onData/onComplete/onError): raw header buffers, no UnwrapHandler, no
// parseHeaders. Backpressure by returning false from onData and calling resume() on 'drain'.
import { Pool } from 'undici';
import { badGateway, createMtlsServer, downstreamHeadersFromRaw, hasBody, options, upstreamRequestHeaders } from './common.mjs';

const opts = options();
const pool = new Pool(opts.upstream, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });

class RawForwardHandler {
  constructor(res) {
    this.res = res;
    this.abort = null;
    this.resume = null;
    this.done = false;
  }
  onConnect(abort) {
    this.abort = abort;
  }
  onHeaders(statusCode, rawHeaders, resume) {
    this.resume = resume;
    this.res.writeHead(statusCode, downstreamHeadersFromRaw(rawHeaders));
    return true;
  }
  onData(chunk) {
    if (this.res.write(chunk)) return true;
    this.res.once('drain', this.resume);
    return false;
  }
  onComplete() {
    this.done = true;
    this.res.end();
  }
  onError(err) {
    this.done = true;
    badGateway(this.res, err);
  }
}

createMtlsServer(opts, (req, res) => {
  const h = new RawForwardHandler(res);
  res.on('close', () => {
    if (!h.done && h.abort) h.abort(new Error('client closed'));
  });
  pool.dispatch({ path: req.url, method: req.method, headers: upstreamRequestHeaders(req), body: hasBody(req) ? req : null }, h);
});
