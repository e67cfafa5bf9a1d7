// The access line as a log reader sees it: the bytes written to the log file by the real logger
// and its buffered destination, parsed back. Its keys and values are those pino wrote before the
// line was assembled by hand (access-line.ts), and client-controlled strings cannot break the JSON.
import t from 'tap';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { BufferedLogStream } from '../../src/observability/buffered-log-stream.js';
import { writeAccessLog, type RequestRecord } from '../../src/pipeline/access-log.js';
import type { ConnectionContext } from '../../src/pipeline/connection-context.js';
import type { ClientCertificate } from '../../src/identity/types.js';
import type { LogLevel } from '../../src/observability/config.js';
import { tempDir } from '../helpers/gateway-harness.js';

const metrics = createMetrics();
const dir = await tempDir('certgate-access-line-');

/** A logger as the worker builds it, writing to a file; `lines()` flushes and returns what is new. */
function fileLogger(level: LogLevel): { logger: Logger; lines(): Promise<Record<string, unknown>[]> } {
  const file = path.join(dir, `${level}-${Math.random().toString(36).slice(2)}.log`);
  const fd = fs.openSync(file, 'w');
  t.teardown(() => fs.closeSync(fd));
  const stream = new BufferedLogStream(fd);
  const logger = createLogger(level, stream).child({ generation: 7 });
  let read = 0;
  return {
    logger,
    lines: async () => {
      await new Promise<void>((resolve) => stream.flush(resolve));
      const text = fs.readFileSync(file, 'utf8').slice(read);
      read += text.length;
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
  };
}

function connection(subject: string | undefined): ConnectionContext {
  const certificate = subject === undefined ? undefined : ({ subjectDN: subject, x5tS256: 'tH9mZ3v1b5m0v2tq8r7o7sVjz5G1mB9hQf4fC6sQyQw' } as ClientCertificate);
  return {
    identity: { verify: certificate ? 'SUCCESS' : 'NONE', chain: [], certificate },
    remoteAddress: '192.0.2.10',
    rejection: undefined,
    revocation: undefined,
    pending: undefined,
  };
}

function record(ctx: ConnectionContext, fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    start: 0,
    requestId: 'k3f-1a',
    listener: 'public',
    method: 'POST',
    url: '/token?x=1',
    ctx,
    route: 'oauth',
    status: 200,
    upstreamStatus: 201,
    code: undefined,
    durationMs: 1.2345678,
    ...fields,
  };
}

t.test('the line of a known request, field by field and in order', async (t) => {
  const log = fileLogger('info');
  const ctx = connection('CN=client.example.org,O=Client');
  ctx.revocation = { status: 'good', admit: true, source: 'ocsp', cached: false, detail: 'ok', expiresAt: 0 };
  writeAccessLog(log.logger, metrics, record(ctx));
  const [line, ...more] = await log.lines();
  t.same(more, [], 'one line');
  t.match(line!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO time, as pino isoTime writes it');
  t.strictSame(line, {
    level: 30,
    time: line!.time,
    pid: process.pid,
    generation: 7,
    event: 'access',
    requestId: 'k3f-1a',
    listener: 'public',
    method: 'POST',
    url: '/token?x=1',
    route: 'oauth',
    status: 200,
    upstreamStatus: 201,
    durationMs: 1.235,
    remote: '192.0.2.10',
    verify: 'SUCCESS',
    subject: 'CN=client.example.org,O=Client',
    thumbprint: 'tH9mZ3v1b5m0v2tq8r7o7sVjz5G1mB9hQf4fC6sQyQw',
    revocation: 'ocsp:good',
  });
  t.same(
    Object.keys(line!),
    [
      'level',
      'time',
      'pid',
      'generation',
      'event',
      'requestId',
      'listener',
      'method',
      'url',
      'route',
      'status',
      'upstreamStatus',
      'durationMs',
      'remote',
      'verify',
      'subject',
      'thumbprint',
      'revocation',
    ],
    'key order as pino wrote it',
  );
});

t.test('absent values are left out; a new verdict on the same connection shows', async (t) => {
  const log = fileLogger('info');
  const ctx = connection(undefined);
  writeAccessLog(log.logger, metrics, record(ctx, { route: undefined, status: 404, upstreamStatus: undefined, code: 'NO_ROUTE', durationMs: 0.0004 }));
  ctx.revocation = { status: 'revoked', admit: false, source: 'crl', cached: true, detail: 'revoked', expiresAt: 0 };
  writeAccessLog(log.logger, metrics, record(ctx, { requestId: 'k3f-1b', status: 401, upstreamStatus: undefined, code: 'CLIENT_CERT_REVOKED' }));
  const [first, second] = await log.lines();
  t.strictSame(first, {
    level: 30,
    time: first!.time,
    pid: process.pid,
    generation: 7,
    event: 'access',
    requestId: 'k3f-1a',
    listener: 'public',
    method: 'POST',
    url: '/token?x=1',
    route: '-',
    status: 404,
    code: 'NO_ROUTE',
    durationMs: 0,
    remote: '192.0.2.10',
    verify: 'NONE',
  });
  t.match(second, { requestId: 'k3f-1b', status: 401, code: 'CLIENT_CERT_REVOKED', revocation: 'crl:revoked' });
});

t.test('no access line below the configured level', async (t) => {
  const log = fileLogger('warn');
  writeAccessLog(log.logger, metrics, record(connection(undefined)));
  t.same(await log.lines(), []);
});

t.test('any method, URL or subject: the line parses and gives the values back', async (t) => {
  const log = fileLogger('info');
  // Every UTF-16 code unit: controls, quotes, backslashes, lone surrogates.
  const anyUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
  const anyText = fc.oneof(anyUnits, fc.string({ unit: 'binary', maxLength: 40 }));
  await fc.assert(
    fc.asyncProperty(anyText, anyText, anyText, async (method, url, subject) => {
      writeAccessLog(log.logger, metrics, record(connection(subject), { method, url }));
      const lines = await log.lines();
      return lines.length === 1 && lines[0]!.method === method && lines[0]!.url === url && lines[0]!.subject === subject;
    }),
    { numRuns: 300 },
  );
  t.pass('every generated line parsed and round-tripped');
});
