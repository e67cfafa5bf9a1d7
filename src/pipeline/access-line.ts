// The fields of an access line, as JSON, in the order ARCHITECTURE.md lists them. What belongs to
// the connection (listener, remote address, identity) is serialised once per connection, the
// revocation verdict once per verdict the connection sees; per request only the request's own
// values are. Client-controlled strings (method, url, subject) go through JSON.stringify, so the
// line stays valid JSON whatever bytes they hold.
import type { RevocationVerdict } from '../revocation/types.js';
import type { ConnectionContext } from './connection-context.js';
import type { RequestRecord } from './access-log.js';

interface ConnectionFields {
  readonly listener: string;
  /** remote, verify, subject, thumbprint */
  readonly identity: string;
  verdict: RevocationVerdict | undefined;
  revocation: string;
}

const byConnection = new WeakMap<ConnectionContext, ConnectionFields>();
const json = JSON.stringify;

/** `,"event":"access",...`: the line's fields after pino's level, time and bindings. */
export function accessLineFields(rec: RequestRecord, route: string): string {
  const conn = connectionFields(rec);
  let fields = `,"event":"access","requestId":${json(rec.requestId)}${conn.listener},"method":${json(rec.method)},"url":${json(rec.url)}`;
  fields += `,"route":${json(route)},"status":${rec.status}`;
  if (rec.upstreamStatus !== undefined) fields += `,"upstreamStatus":${rec.upstreamStatus}`;
  if (rec.code !== undefined) fields += `,"code":${json(rec.code)}`;
  return `${fields},"durationMs":${Math.round(rec.durationMs * 1000) / 1000}${conn.identity}${conn.revocation}`;
}

function connectionFields(rec: RequestRecord): ConnectionFields {
  const ctx = rec.ctx;
  let conn = byConnection.get(ctx);
  if (conn === undefined) {
    const certificate = ctx.identity.certificate;
    let identity = ',"remote":' + json(ctx.remoteAddress) + ',"verify":' + json(ctx.identity.verify);
    if (certificate !== undefined) identity += ',"subject":' + json(certificate.subjectDN) + ',"thumbprint":' + json(certificate.x5tS256);
    conn = { listener: ',"listener":' + json(rec.listener), identity, verdict: undefined, revocation: '' };
    byConnection.set(ctx, conn);
  }
  if (conn.verdict !== ctx.revocation) {
    const verdict = ctx.revocation;
    conn.verdict = verdict;
    conn.revocation = verdict === undefined ? '' : ',"revocation":' + json(`${verdict.source}:${verdict.status}`);
  }
  return conn;
}
