// Baseline: forward with undici Pool.dispatch and a handler written against undici 7's
// controller API (onRequestStart/onResponseStart/onResponseData/onResponseEnd/onResponseError).
// undici wraps such handlers in UnwrapHandler (one extra object + parseHeaders per response).
import { Pool } from 'undici';
import { badGateway, createMtlsServer, downstreamHeadersFromObject, hasBody, options, upstreamRequestHeaders } from './common.mjs';

const opts = options();
const pool = new Pool(opts.upstream, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });

class ForwardHandler {
  constructor(res) {
    this.res = res;
    this.controller = null;
    this.done = false;
  }
  onRequestStart(controller) {
    this.controller = controller;
  }
  onResponseStart(controller, statusCode, headers) {
    this.res.writeHead(statusCode, downstreamHeadersFromObject(headers));
  }
  onResponseData(controller, chunk) {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }
  onResponseEnd() {
    this.done = true;
    this.res.end();
  }
  onResponseError(controller, err) {
    this.done = true;
    badGateway(this.res, err);
  }
}

createMtlsServer(opts, (req, res) => {
  const h = new ForwardHandler(res);
  res.on('close', () => {
    if (!h.done && h.controller) h.controller.abort(new Error('client closed'));
  });
  pool.dispatch({ path: req.url, method: req.method, headers: upstreamRequestHeaders(req), body: hasBody(req) ? req : null }, h);
});
