// Per-request limits checked before anything else runs: field count and transfer coding. A
// request refused here is never forwarded, not even its head (issue 7, finding 6). Cheap on
// purpose: two property reads and a length compare for a body-less GET.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListenerLimits } from '../config/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { GatewayError } from '../errors.js';
import { watchBodyIdle } from './body-idle-timeout.js';

export interface RequestGuard {
  /** The error to answer with, or undefined to go on. Arms the body idle timer for a request with a body. */
  admit(req: IncomingMessage, res: ServerResponse): GatewayError | undefined;
}

// RFC 9112 §6.3: a request whose final transfer coding is not chunked cannot be framed. llhttp
// says so only after Node has emitted the request, so it is refused here first.
const ENDS_CHUNKED = /(?:^|,)[ \t]*chunked[ \t]*$/i;

export function createRequestGuard(limits: ListenerLimits, listener: string, metrics: GatewayMetrics): RequestGuard {
  // tls/server-limits.ts has Node keep maxHeaderCount + 1 fields, so one more than allowed shows.
  const maxRawHeaders = limits.maxHeaderCount * 2;
  return {
    admit(req, res) {
      if (req.rawHeaders.length > maxRawHeaders) {
        metrics.limitsReached.inc({ listener, limit: 'header_count' });
        // The body (possibly framed by a field past the limit) is not read: close after answering.
        res.shouldKeepAlive = false;
        return new GatewayError('HEADERS_TOO_LARGE', `more than ${limits.maxHeaderCount} header fields`);
      }
      const te = req.headers['transfer-encoding'];
      if (te !== undefined) {
        if (!ENDS_CHUNKED.test(te)) {
          res.shouldKeepAlive = false;
          return new GatewayError('BAD_REQUEST', 'invalid Transfer-Encoding: the final coding must be chunked');
        }
        watchBodyIdle(req, res, limits.bodyIdleTimeout, limits.keepAliveTimeout);
        return undefined;
      }
      const cl = req.headers['content-length'];
      if (cl !== undefined && cl !== '0') watchBodyIdle(req, res, limits.bodyIdleTimeout, limits.keepAliveTimeout);
      return undefined;
    },
  };
}
