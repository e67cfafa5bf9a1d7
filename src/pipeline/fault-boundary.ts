// The fault boundary around every per-connection and per-request stage. Nothing a client, an
// upstream, an OCSP responder or a CRL server sends may end the process (issue 7, finding 1: an
// exception while describing a certificate, and an unhandled rejection after a pending
// revocation check, each killed the gateway before authentication). An unexpected exception
// becomes a typed answer (401 CLIENT_CERT_INVALID for a certificate that cannot be described,
// 500 INTERNAL_ERROR otherwise), one error log line and certgate_internal_errors_total{stage}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { clientAddress } from '../tls/client-address.js';
import { GatewayError } from '../errors.js';
import { UndescribableCertificateError } from '../identity/client-certificate.js';
import type { ClientIdentity } from '../identity/types.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { connectionContext, type ConnectionContext } from './connection-context.js';
import type { HostRuntime } from './listener-runtime.js';

export type PipelineStage = 'identify' | 'revocation' | 'route' | 'policy' | 'token' | 'headers' | 'forward';

/** What the boundary needs to know of a request, without allocating anything for it. */
export interface GuardedRequest {
  readonly requestId: string;
  /** The stage running now; stages set it as they start, so a fault is counted where it happened. */
  stage?: PipelineStage;
}

export interface FaultBoundaryDeps {
  /** The host the connections' handshakes went through (the listener itself without SNI hosts). */
  readonly runtime: HostRuntime;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
}

const NO_IDENTITY: ClientIdentity = Object.freeze({ chain: Object.freeze([]), verify: 'NONE' as const });

export type Proceed<R extends GuardedRequest> = (req: IncomingMessage, res: ServerResponse, ctx: ConnectionContext, rec: R) => void;
export type Reject<R extends GuardedRequest> = (res: ServerResponse, rec: R, err: GatewayError) => void;

export class FaultBoundary<R extends GuardedRequest> {
  constructor(
    private readonly deps: FaultBoundaryDeps,
    private readonly proceed: Proceed<R>,
    private readonly reject: Reject<R>,
  ) {}

  /**
   * The identify stage inside the boundary. When it throws, the connection gets a context whose
   * rejection answers every request on it (so the answer goes through the one error table and
   * the access log like any other refusal).
   */
  identify(socket: TLSSocket): ConnectionContext {
    try {
      return connectionContext(socket, this.deps.runtime, this.deps.logger);
    } catch (err) {
      this.log('identify', err, undefined, clientAddress(socket));
      return {
        identity: NO_IDENTITY,
        remoteAddress: clientAddress(socket),
        rejection: this.answerFor(err),
        revocation: undefined,
        pending: undefined,
      };
    }
  }

  /** Run the request stages now, or once the connection's revocation check settles. Never rejects. */
  run(req: IncomingMessage, res: ServerResponse, ctx: ConnectionContext, rec: R): void {
    if (ctx.pending === undefined) {
      this.runNow(req, res, ctx, rec);
      return;
    }
    rec.stage = 'revocation';
    ctx.pending
      .then(
        () => this.runNow(req, res, ctx, rec),
        (err: unknown) => this.fault(err, res, rec),
      )
      .catch((err: unknown) => this.lastResort(err, res, rec));
  }

  private runNow(req: IncomingMessage, res: ServerResponse, ctx: ConnectionContext, rec: R): void {
    try {
      this.proceed(req, res, ctx, rec);
    } catch (err) {
      this.fault(err, res, rec);
    }
  }

  /** Answer a request whose stage threw: typed error, one log line, one metric. */
  fault(err: unknown, res: ServerResponse, rec: R): void {
    // Unset means the first request stage, the revocation verdict, was running.
    const stage = rec.stage ?? 'revocation';
    this.log(stage, err, rec.requestId, undefined);
    try {
      this.reject(res, rec, this.answerFor(err));
    } catch (again) {
      this.lastResort(again, res, rec);
    }
  }

  private answerFor(err: unknown): GatewayError {
    if (err instanceof UndescribableCertificateError) return new GatewayError('CLIENT_CERT_INVALID', err.description);
    return new GatewayError('INTERNAL_ERROR', 'internal error');
  }

  private log(stage: PipelineStage, err: unknown, requestId: string | undefined, remote: string | undefined): void {
    this.deps.metrics.internalErrors.inc({ stage });
    this.deps.logger.error(
      { event: 'internal_error', stage, listener: this.deps.runtime.listenerName, requestId, remote, err },
      `unexpected error in the ${stage} stage; the request was answered with an error`,
    );
  }

  /** Answering itself failed: give up on this request's connection, never on the process. */
  private lastResort(err: unknown, res: ServerResponse, rec: R): void {
    this.deps.logger.error({ event: 'internal_error', stage: rec.stage, requestId: rec.requestId, err }, 'could not answer a failed request; connection closed');
    res.destroy();
  }
}
