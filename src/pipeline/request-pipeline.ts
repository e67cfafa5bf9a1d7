// The request path, stage by stage:
//   listen → identify → revocation → route → policy → headers → sign → forward → respond
// listen is src/tls/tls-listener.ts; identify and revocation run once per connection
// (connection-context.ts); the rest run here, per request, with everything they need provisioned.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { GatewayError } from '../errors.js';
import type { RouteTable } from '../routing/route-table.js';
import { canonicalTarget } from '../routing/canonical-path.js';
import { isMethodRefused, methodNotAllowed } from '../routing/method-policy.js';
import { spoofedHeaderLabel } from '../headers/sanitize-headers.js';
import { checkAllow } from '../policy/route-policy.js';
import { forwardRequest } from '../forward/forward-request.js';
import type { UpstreamRuntime } from '../forward/upstream-runtime.js';
import { sendError } from './error-response.js';
import { revocationRejection, type ConnectionContext } from './connection-context.js';
import { FaultBoundary } from './fault-boundary.js';
import type { ListenerRuntime } from './listener-runtime.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import { requestIdHeader, requestIdOf } from './request-id.js';
import { writeAccessLog, type RequestRecord } from './access-log.js';
import { createRequestGuard } from './request-limits.js';
import { isCurrentRequest, type PipelineQueue } from './connection-queue.js';
import { clientAddress } from '../tls/client-address.js';

export interface PipelineDeps {
  readonly listener: ListenerRuntime;
  readonly routes: RouteTable;
  readonly upstreams: ReadonlyMap<string, UpstreamRuntime>;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

export function createRequestPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { listener, logger, metrics } = deps;
  const listenerName = listener.config.name;
  const allowPathParameters = listener.config.paths.parameters === 'allow';
  const idHeader = requestIdHeader(listener.config.requestId);
  const requestGuard = createRequestGuard(listener.config.limits, listenerName, metrics);

  const finish = (rec: RequestRecord, status: number): void => {
    rec.status = status;
    rec.durationMs = performance.now() - rec.start;
    writeAccessLog(logger, metrics, rec);
  };

  const reject = (res: ServerResponse, rec: RequestRecord, err: GatewayError): void => {
    rec.code = err.code;
    if (err.code.startsWith('CLIENT_CERT') || err.code === 'CLIENT_NOT_ALLOWED') metrics.certRejections.inc({ code: err.code });
    finish(rec, sendError(res, err, idHeader.name, rec.requestId));
  };

  const proceed = (req: IncomingMessage, res: ServerResponse, ctx: ConnectionContext, rec: RequestRecord): void => {
    // revocation (verdict reached once per connection)
    const revoked = revocationRejection(ctx.revocation);
    if (revoked) return reject(res, rec, revoked);

    // route, on the one canonical path that everything downstream uses (canonical-path.ts)
    rec.stage = 'route';
    const method = req.method ?? 'GET';
    if (method === 'CONNECT') return reject(res, rec, methodNotAllowed(method)); // no origin-form path
    const target = canonicalTarget(req.url ?? '/', allowPathParameters);
    if (!target.ok) {
      metrics.pathRejections.inc({ reason: target.reason });
      return reject(res, rec, new GatewayError('BAD_REQUEST', target.description));
    }
    rec.url = target.target;
    const path = target.path;
    const host = req.headers.host;
    const route = deps.routes.match(listenerName, host, path, method);
    if (isMethodRefused(method, route?.match.methods)) return reject(res, rec, methodNotAllowed(method));
    if (route === undefined) return reject(res, rec, new GatewayError('NO_ROUTE', `no route for ${method} ${path}`));
    rec.route = route.name;

    // policy
    rec.stage = 'policy';
    const identity = ctx.identity;
    if (route.clientCert === 'required' && identity.certificate === undefined) {
      return reject(res, rec, new GatewayError('CLIENT_CERT_REQUIRED', `route ${route.name} requires a client certificate`));
    }
    // Compiled when the config loaded (route-config.ts): nothing is compiled here.
    if (route.compiledAllow) {
      const verdict = checkAllow(identity, route.compiledAllow);
      if (!verdict.ok) return reject(res, rec, new GatewayError('CLIENT_NOT_ALLOWED', verdict.reason));
    }

    // headers + sign
    rec.stage = 'headers';
    const up = deps.upstreams.get(route.upstream.name)!;
    const built = buildUpstreamHeaders(req, up, ctx, host, path, target.query, idHeader, rec.requestId, route.signature?.largeBodies);
    if (built.stripped) {
      for (const name of built.stripped) metrics.spoofedHeaders.inc({ header: spoofedHeaderLabel(name) });
      logger.warn(
        { event: 'spoofed_header_stripped', headers: built.stripped, route: route.name, remote: ctx.remoteAddress, requestId: rec.requestId },
        'client sent gateway-owned headers; removed',
      );
    }

    // forward + respond
    rec.stage = 'forward';
    forwardRequest(
      req,
      res,
      {
        client: up.client,
        method,
        path: target.target,
        headers: built.headers,
        block: built.block,
        hasBody: built.hasBody,
        bodySignature: built.bodySignature,
        bodyBuffer: listener.config.limits.bodyBuffer,
        idHeader,
        requestId: rec.requestId,
      },
      (result) => {
        rec.upstreamStatus = result.upstreamStatus;
        if (result.error) {
          if (result.error.code === 'UPSTREAM_BUSY') metrics.upstreamBusy.inc({ upstream: up.config.name });
          return reject(res, rec, result.error);
        }
        finish(rec, result.aborted ? 499 : res.statusCode);
      },
    );
  };

  const boundary = new FaultBoundary<RequestRecord>({ runtime: listener, logger, metrics }, proceed, reject);

  // One request at a time per connection, in order (connection-queue.ts).
  const pipeline: PipelineQueue = {
    depth: listener.config.limits.pipelineDepth,
    dropped: (socket, count) =>
      logger.info(
        { event: 'pipelined_requests_dropped', listener: listenerName, remote: clientAddress(socket), count },
        'client left with pipelined requests still waiting; none was forwarded',
      ),
  };

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    if (!isCurrentRequest(req, res, pipeline, handleRequest)) return;
    const socket = req.socket as TLSSocket;
    // identify (once per connection)
    const ctx = boundary.identify(socket);
    const rec: RequestRecord = {
      start: performance.now(),
      requestId: requestIdOf(req, idHeader),
      listener: listenerName,
      method: req.method ?? '',
      url: req.url ?? '',
      ctx,
      route: undefined,
      status: 0,
      upstreamStatus: undefined,
      code: undefined,
      durationMs: 0,
      stage: undefined,
    };
    const refused = requestGuard.admit(req, res);
    if (refused) return reject(res, rec, refused);
    if (ctx.rejection) return reject(res, rec, ctx.rejection);
    boundary.run(req, res, ctx, rec);
  };
}
