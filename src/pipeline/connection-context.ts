// Per-connection state: who the client is and whether its certificate may pass, decided once per
// connection (identify + revocation stages) and reused by every request on it. A revocation check
// in flight holds back the connection's requests; none is forwarded before it ends.
import type { TLSSocket } from 'node:tls';
import type { ClientIdentity } from '../identity/types.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';
import type { RevocationVerdict } from '../revocation/types.js';
import type { Logger } from '../observability/logger.js';
import { GatewayError } from '../errors.js';
import { listenerVerdict } from '../tls/verify-mode.js';
import { clientAddress } from '../tls/client-address.js';
import type { HostRuntime } from './listener-runtime.js';

const kContext = Symbol('certgate.connection');

export interface ConnectionContext {
  readonly identity: ClientIdentity;
  readonly remoteAddress: string;
  /** Set when the TLS verdict refuses every request on this connection. */
  readonly rejection: GatewayError | undefined;
  revocation: RevocationVerdict | undefined;
  pending: Promise<void> | undefined;
}

type SocketWithContext = TLSSocket & { [kContext]?: ConnectionContext };

export function connectionContext(socket: TLSSocket, host: HostRuntime, logger: Logger): ConnectionContext {
  const s = socket as SocketWithContext;
  let ctx = s[kContext];
  if (ctx === undefined) {
    const identity = host.identities.resolve(socket);
    ctx = {
      identity,
      remoteAddress: clientAddress(socket),
      rejection: listenerVerdict(host.clientAuth.mode, identity),
      revocation: undefined,
      pending: undefined,
    };
    s[kContext] = ctx;
    if (ctx.rejection) {
      logger.warn(
        {
          event: 'client_cert_rejected',
          listener: host.listenerName,
          code: ctx.rejection.code,
          reason: identity.verifyReason,
          subject: identity.certificate?.subjectDN,
          thumbprint: identity.certificate?.x5tS256,
          remote: ctx.remoteAddress,
        },
        ctx.rejection.description,
      );
    }
  }
  if (ctx.rejection === undefined && host.revocation !== undefined && ctx.identity.verify === 'SUCCESS') {
    // Once per connection, and again only when the verdict's cache lifetime ends.
    if (ctx.pending === undefined && (ctx.revocation === undefined || ctx.revocation.expiresAt < Date.now())) {
      startRevocationCheck(ctx, host.revocation, logger);
    }
  }
  return ctx;
}

function startRevocationCheck(ctx: ConnectionContext, checker: RevocationChecker, logger: Logger): void {
  const certificate = ctx.identity.certificate!;
  const cached = checker.cached(certificate.x5tS256);
  if (cached && cached.expiresAt >= Date.now()) {
    applyVerdict(ctx, cached, logger);
    return;
  }
  ctx.pending = checker
    .check([certificate.x509, ...ctx.identity.chain])
    .then(
      (verdict) => applyVerdict(ctx, verdict, logger),
      (err: unknown) => {
        logger.error({ event: 'revocation_error', err }, 'revocation check failed unexpectedly');
        applyVerdict(ctx, { status: 'unknown', admit: false, source: 'none', cached: false, detail: 'internal error', expiresAt: 0 }, logger);
      },
    )
    .finally(() => {
      ctx.pending = undefined;
    });
}

function applyVerdict(ctx: ConnectionContext, verdict: RevocationVerdict, logger: Logger): void {
  ctx.revocation = verdict;
  if (verdict.admit) {
    if (verdict.status !== 'good') {
      logger.warn(
        { event: 'revocation_fail_open', thumbprint: ctx.identity.certificate?.x5tS256, source: verdict.source, detail: verdict.detail },
        'revocation status unknown; admitted by failMode open',
      );
    }
    return;
  }
  const error = revocationRejection(verdict)!;
  const certificate = ctx.identity.certificate!;
  logger.warn(
    {
      event: verdict.status === 'revoked' ? 'client_cert_revoked' : 'revocation_unavailable',
      subject: certificate.subjectDN,
      thumbprint: certificate.x5tS256,
      source: verdict.source,
      detail: verdict.detail,
      remote: ctx.remoteAddress,
    },
    error.description,
  );
}

/**
 * The error a connection's requests get from its revocation verdict, if any. Its description is
 * the client's: what was decided (which certificate, when, why, by which kind of source), never
 * the verdict's detail, which names the gateway's CRL files and responder hosts (that goes to the
 * log line written with it, applyVerdict above).
 */
export function revocationRejection(verdict: RevocationVerdict | undefined): GatewayError | undefined {
  if (verdict === undefined || verdict.admit) return undefined;
  if (verdict.status === 'revoked') {
    const which = verdict.revokedCertificate === 'intermediate' ? 'an intermediate CA certificate of the chain' : 'certificate';
    const when = verdict.revokedAt ? ` at ${verdict.revokedAt.toISOString()}` : '';
    const why = verdict.revocationReason ? ` (${verdict.revocationReason})` : '';
    return new GatewayError('CLIENT_CERT_REVOKED', `${which} revoked${when}${why} according to ${verdict.source}`);
  }
  const cause = verdict.unreachable === true ? 'the revocation sources are unreachable' : 'no revocation source vouches for this certificate';
  return new GatewayError('REVOCATION_UNAVAILABLE', `revocation status unknown: ${cause}`);
}
