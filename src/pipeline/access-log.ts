// One access line per request, and the request metrics. Fields as ARCHITECTURE.md lists them,
// assembled in access-line.ts.
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ConnectionContext } from './connection-context.js';
import type { PipelineStage } from './fault-boundary.js';
import { writeInfoLine } from '../observability/log-line.js';
import { accessLineFields } from './access-line.js';

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
  writeInfoLine(logger, accessLineFields(rec, route));
}

type RecordLike = RequestRecord;
