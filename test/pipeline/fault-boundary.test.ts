// The fault boundary over real HTTP on loopback: an unexpected exception in any stage, thrown
// synchronously or after a pending revocation check, becomes a typed answer, one error log line
// and certgate_internal_errors_total{stage}; nothing reaches the process (issue 7, finding 1).
// The stages themselves are stand-ins here (functions that throw); over real TLS with real
// certificates see test/e2e/edge-attacks/crash-certificates.ts.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import { GatewayError } from '../../src/errors.js';
import { UndescribableCertificateError } from '../../src/identity/client-certificate.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { sendError } from '../../src/pipeline/error-response.js';
import { FaultBoundary, type GuardedRequest, type PipelineStage } from '../../src/pipeline/fault-boundary.js';
import type { ConnectionContext } from '../../src/pipeline/connection-context.js';
import type { HostRuntime } from '../../src/pipeline/listener-runtime.js';
import { captureLogger } from '../helpers/gateway-harness.js';

interface Rec extends GuardedRequest {
  stage?: PipelineStage;
}

type Scenario = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
t.teardown(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function harness(t: Test, identify: () => never, proceed: (ctx: ConnectionContext, rec: Rec) => void, withContext?: () => ConnectionContext) {
  const { logger, logs } = captureLogger();
  const metrics = createMetrics(new Registry());
  const runtime = { listenerName: 'edge', identities: { resolve: identify }, revocation: undefined } as unknown as HostRuntime;
  const boundary = new FaultBoundary<Rec>(
    { runtime, logger, metrics },
    (_req, _res, ctx, rec) => proceed(ctx, rec),
    (res, _rec, err) => {
      sendError(res, err);
    },
  );
  const handler: Scenario = (req, res) => {
    const ctx = withContext ? withContext() : boundary.identify(req.socket as TLSSocket);
    const rec: Rec = { requestId: 'r1', stage: undefined };
    if (ctx.rejection) return void sendError(res, ctx.rejection);
    boundary.run(req, res, ctx, rec);
  };
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const port = (server.address() as { port: number }).port;
  const get = () =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) as Record<string, unknown> }));
        })
        .on('error', reject);
    });
  const count = async (stage: string): Promise<number> => {
    const m = await metrics.internalErrors.get();
    return m.values.find((v) => v.labels.stage === stage)?.value ?? 0;
  };
  return { get, logs, count };
}

const fine = (): ConnectionContext => ({ identity: { chain: [], verify: 'NONE' }, remoteAddress: '127.0.0.1', rejection: undefined, revocation: undefined, pending: undefined });
const never = (): never => {
  throw new Error('not reached');
};

t.test('identify throws: 500 INTERNAL_ERROR, one log line, metric stage=identify', async (t) => {
  const h = await harness(
    t,
    () => {
      throw new TypeError('identify exploded');
    },
    never,
  );
  t.match(await h.get(), { status: 500, body: { error: 'server_error', code: 'INTERNAL_ERROR', error_description: 'internal error' } });
  t.equal(await h.count('identify'), 1);
  const lines = h.logs.lines.filter((l) => l.event === 'internal_error');
  t.equal(lines.length, 1, 'one error line');
  t.match(lines[0], { level: 50, stage: 'identify', listener: 'edge', err: { message: 'identify exploded' } });
});

t.test('identify meets a certificate that cannot be described: 401 CLIENT_CERT_INVALID', async (t) => {
  const h = await harness(
    t,
    () => {
      throw new UndescribableCertificateError('Wrong input string for conversion');
    },
    never,
  );
  t.match(await h.get(), { status: 401, body: { error: 'invalid_client', code: 'CLIENT_CERT_INVALID', error_description: 'certificate cannot be parsed' } });
  t.equal(await h.count('identify'), 1);
});

t.test('a request stage throws: 500 and the stage that was running is counted', async (t) => {
  const h = await harness(
    t,
    never,
    (_ctx, rec) => {
      rec.stage = 'policy';
      throw new RangeError('allow check exploded');
    },
    fine,
  );
  t.match(await h.get(), { status: 500, body: { code: 'INTERNAL_ERROR' } });
  t.equal(await h.count('policy'), 1);
  t.match(
    h.logs.find((l) => l.event === 'internal_error'),
    { stage: 'policy', requestId: 'r1' },
  );
});

t.test('after a pending revocation check: a throwing stage and a rejected check are both answered', async (t) => {
  const throwing = await harness(
    t,
    never,
    (_ctx, rec) => {
      rec.stage = 'policy';
      throw new Error('allow check exploded after revocation');
    },
    () => ({ ...fine(), pending: new Promise<void>((resolve) => setImmediate(resolve)) }),
  );
  t.match(await throwing.get(), { status: 500, body: { code: 'INTERNAL_ERROR' } });
  t.equal(await throwing.count('policy'), 1);

  const rejected = await harness(t, never, never, () => ({
    ...fine(),
    pending: new Promise<void>((_resolve, reject) => setImmediate(() => reject(new Error('checker exploded')))),
  }));
  t.match(await rejected.get(), { status: 500, body: { code: 'INTERNAL_ERROR' } });
  t.equal(await rejected.count('revocation'), 1);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(unhandled, [], 'no unhandled rejection reached the process');
});

t.test('a thrown GatewayError is still a fault', async (t) => {
  const h = await harness(
    t,
    never,
    () => {
      throw new GatewayError('BAD_REQUEST', 'not a fault');
    },
    fine,
  );
  // A GatewayError thrown is still unexpected (stages reject, they do not throw): 500, counted.
  t.match(await h.get(), { status: 500, body: { code: 'INTERNAL_ERROR' } });
  t.equal(await h.count('revocation'), 1, 'no stage set: the first stage, revocation, is blamed');
});
