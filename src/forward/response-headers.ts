// Response side of RFC 9110 section 7.6.1: hop-by-hop fields, and every field the upstream named
// in its Connection header, stop at the gateway. Node sets its own framing headers.
// Works on undici's raw header list (Buffer pairs) so no header object is built per response.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  // a credential for the hop between proxy and client (RFC 9110 section 11.7.2): never relayed
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The header the gateway returns the request ID in (src/pipeline/request-id.ts). */
export interface ResponseIdHeader {
  readonly name: string;
  /** `name` lower-cased, once per listener */
  readonly lower: string;
}

/**
 * Flat [name, value, ...] for ServerResponse.writeHead, hop-by-hop fields removed. With `idHeader`,
 * the upstream's own copy of that header is replaced by the gateway's `requestId`: the client
 * sees the one ID the access log and the upstream saw.
 */
export function filterRawResponseHeaders(raw: readonly Buffer[] | readonly string[], idHeader?: ResponseIdHeader, requestId?: string): string[] {
  const out: string[] = [];
  let named: Set<string> | undefined;
  const idLower = requestId === undefined ? undefined : idHeader?.lower;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') named = connectionTokens(raw[i + 1]!.toString('latin1'), named);
      continue;
    }
    if (lower === idLower) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  const kept = named === undefined ? out : removeNamed(out, named);
  // Added after the Connection-named removal: an upstream cannot make the client lose the ID.
  if (idLower !== undefined) kept.push(idHeader!.name, requestId!);
  return kept;
}

function removeNamed(out: readonly string[], named: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!named.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

/** `Connection: keep-alive`, what nearly every upstream sends, names only a field that is hop-by-hop anyway. */
const PLAIN_CONNECTION = /^[ \t]*keep-alive[ \t]*$/i;

function connectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  if (PLAIN_CONNECTION.test(value)) return into;
  into ??= new Set();
  for (const token of value.split(',')) {
    const t = token.trim().toLowerCase();
    if (t) into.add(t);
  }
  return into;
}
