// One access line per request, and the request metrics. Fields as ARCHITECTURE.md lists them.
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ConnectionContext } from './connection-context.js';
import type { PipelineStage } from './fault-boundary.js';

export interface RequestRecord {
  readonly start: number;
  readonly requestId: string;
  readonly listener: string;
  readonly method: string;
  /** As sent until the path is canonical, then the canonical target (what was routed and forwarded). */
  url: string;
  readonly ctx: ConnectionContext;
  route: string | undefined;
  status: number;
  upstreamStatus: number | undefined;
  code: string | undefined;
  durationMs: number;
  /** The stage running now, for the fault boundary's metric (fault-boundary.ts). */
  stage?: PipelineStage;
}

export function writeAccessLog(logger: Logger, metrics: GatewayMetrics, rec: RecordLike): void {
  const route = rec.route ?? '-';
  metrics.requests.record(route, rec.status, rec.durationMs / 1000);
  if (!logger.isLevelEnabled('info')) return;
  const identity = rec.ctx.identity;
  const revocation = rec.ctx.revocation;
  logger.info({
    event: 'access',
    requestId: rec.requestId,
    listener: rec.listener,
    method: rec.method,
    url: rec.url,
    route,
    status: rec.status,
    upstreamStatus: rec.upstreamStatus,
    code: rec.code,
    durationMs: Math.round(rec.durationMs * 1000) / 1000,
    remote: rec.ctx.remoteAddress,
    verify: identity.verify,
    subject: identity.certificate?.subjectDN,
    thumbprint: identity.certificate?.x5tS256,
    revocation: revocation ? `${revocation.source}:${revocation.status}` : undefined,
  });
}

type RecordLike = RequestRecord;
