// Content codings of a metadata document the upstream compressed although it was asked for
// identity (RFC 9110 section 8.4). Decoding stops at `limit` output bytes: a small gzip bomb must
// not make the gateway inflate gigabytes.
import zlib from 'node:zlib';

export type Coding = 'identity' | 'gzip' | 'deflate' | 'br';

/** The single coding a Content-Encoding list names, or undefined for one the gateway does not decode. */
export function contentCoding(values: readonly string[]): Coding | undefined {
  let coding: Coding = 'identity';
  for (const value of values) {
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t === '' || t === 'identity') continue;
      // two codings stacked (gzip, br) are legal but never what a metadata endpoint sends
      if (coding !== 'identity') return undefined;
      if (t === 'gzip' || t === 'x-gzip') coding = 'gzip';
      else if (t === 'deflate' || t === 'br') coding = t;
      else return undefined;
    }
  }
  return coding;
}

/** The decoded bytes; or 'too-large' once they pass `limit`, 'corrupt' when they are not in `coding`. */
export function decodeBody(body: Buffer, coding: Coding, limit: number): Buffer | 'too-large' | 'corrupt' {
  if (coding === 'identity') return body;
  const opts = { maxOutputLength: limit };
  try {
    if (coding === 'gzip') return zlib.gunzipSync(body, opts);
    if (coding === 'br') return zlib.brotliDecompressSync(body, opts);
    // "deflate" is the zlib format (RFC 9110 section 8.4.1.2); some servers send raw deflate.
    try {
      return zlib.inflateSync(body, opts);
    } catch (err) {
      if (isTooLarge(err)) throw err;
      return zlib.inflateRawSync(body, opts);
    }
  } catch (err) {
    return isTooLarge(err) ? 'too-large' : 'corrupt';
  }
}

function isTooLarge(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}
