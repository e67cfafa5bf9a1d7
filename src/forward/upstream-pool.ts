// One connection pool per upstream: the h1 engine (src/forward/h1/), keep-alive, no pipelining
// (a slow response must not stall the requests queued behind it), bounded connections and queue,
// verified TLS with the gateway's own certificate when the upstream asks for mutual TLS.
import type { UpstreamConfig } from '../config/types.js';
import type { UpstreamClient } from './forward-request.js';
import { connectionSettings, H1Client } from './h1/h1-client.js';

export function createUpstreamClient(upstream: UpstreamConfig): UpstreamClient {
  return new H1Client(connectionSettings(upstream));
}
