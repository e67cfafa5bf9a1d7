// The request path, stage by stage:
//   listen → identify → revocation → route → policy → token → headers → sign → forward → respond
// listen is src/tls/tls-listener.ts; identify and revocation run once per connection
// (connection-context.ts); the rest run here, per request, with everything they need provisioned.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { GatewayError } from '../errors.js';
import type { RouteTable } from '../routing/route-table.js';
import { canonicalTarget, type CanonicalTarget } from '../routing/canonical-path.js';
import { isMethodRefused, methodNotAllowed } from '../routing/method-policy.js';
import { spoofedHeaderLabel } from '../headers/sanitize-headers.js';
import { checkAllow } from '../policy/route-policy.js';
import { forwardRequest } from '../forward/forward-request.js';
import type { UpstreamRuntime } from '../forward/upstream-runtime.js';
import { sendError } from './error-response.js';
import { revocationRejection, type ConnectionContext } from './connection-context.js';
import { FaultBoundary } from './fault-boundary.js';
import type { HostRuntime, ListenerRuntime } from './listener-runtime.js';
import type { MisdirectedCheck } from './misdirected-request.js';
import { buildUpstreamHeaders } from './upstream-headers.js';
import { requestIdHeader, requestIdOf } from './request-id.js';
import { writeAccessLog, type RequestRecord } from './access-log.js';
import { createRequestGuard } from './request-limits.js';
import { isCurrentRequest, type PipelineQueue } from './connection-queue.js';
import { clientAddress } from '../tls/client-address.js';
import { createRateLimitedLog } from '../observability/log-rate-limit.js';
import { discoveryRewrite } from '../discovery/discovery-response.js';
import type { TokenBindingGuard } from '../token-binding/token-binding-guard.js';
import type { RouteConfig } from '../routing/config.js';

export interface PipelineDeps {
  readonly listener: ListenerRuntime;
  /** The SNI host whose connections this handler serves; the listener's own by default. */
  readonly host?: HostRuntime;
  /** On a listener with SNI hosts: 421 for a request whose Host is not this host's (misdirected-request.ts). */
  readonly misdirected?: MisdirectedCheck;
  readonly routes: RouteTable;
  readonly upstreams: ReadonlyMap<string, UpstreamRuntime>;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** By route name, for the routes with tokenBinding (src/token-binding/). */
  readonly tokenBindings: ReadonlyMap<string, TokenBindingGuard>;
}

export function createRequestPipeline(deps: PipelineDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { listener, logger, metrics, misdirected } = deps;
  const listenerName = listener.config.name;
  const allowPathParameters = listener.config.paths.parameters === 'allow';
  const idHeader = requestIdHeader(listener.config.requestId);
  const requestGuard = createRequestGuard(listener.config.limits, listenerName, metrics);
  const discoveryLog = createRateLimitedLog(logger, metrics);

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

    // token: certificate-bound access tokens, only on routes that ask for them
    if (route.tokenBinding !== undefined) {
      rec.stage = 'token';
      const token = deps.tokenBindings.get(route.name)!.check(req.rawHeaders, ctx);
      if (token instanceof Promise) {
        // Verification is pending (JWKS or introspection): this response is not written yet, so
        // the connection's next requests wait their turn (connection-queue.ts).
        token
          .then((refused) => {
            // The client left while its token was checked: nothing is forwarded for it.
            if (res.destroyed) return finish(rec, 499);
            if (refused !== undefined) return reject(res, rec, refused);
            forward(req, res, ctx, rec, route, method, host, target);
          })
          .catch((err: unknown) => boundary.fault(err, res, rec));
        return;
      }
      if (token !== undefined) return reject(res, rec, token);
    }
    forward(req, res, ctx, rec, route, method, host, target);
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    ctx: ConnectionContext,
    rec: RequestRecord,
    route: RouteConfig,
    method: string,
    host: string | undefined,
    target: CanonicalTarget,
  ): void => {
    const path = target.path;
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

    // forward + respond; discovery documents are rewritten on routes that ask for it (src/discovery/)
    rec.stage = 'forward';
    const wrapResponse = route.discovery === undefined ? undefined : discoveryRewrite(route, method, path, built.headers, discoveryLog);
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
        wrapResponse,
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

  const boundary = new FaultBoundary<RequestRecord>({ runtime: deps.host ?? listener, logger, metrics }, proceed, reject);

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
    if (misdirected !== undefined) {
      const wrongHost = misdirected(req.headers.host);
      if (wrongHost) return reject(res, rec, wrongHost);
    }
    if (ctx.rejection) return reject(res, rec, ctx.rejection);
    boundary.run(req, res, ctx, rec);
  };
}
