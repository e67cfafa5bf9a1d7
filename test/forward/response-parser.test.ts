// The response parser without sockets: framing (RFC 9112 §6.3) and the refusals that keep a
// response from being read two ways, one named case each.
import t from 'tap';
import { ResponseParser, type ResponseSink } from '../../src/forward/h1/response-parser.js';

interface Read {
  status?: number;
  headers?: string[];
  body: Buffer[];
  ended: boolean;
  error?: string;
  keepAlive?: boolean;
}

/** Feeds `text` in pieces of `step` bytes; `eof` simulates the server closing afterwards. */
function read(text: string, opts: { head?: boolean; step?: number; eof?: boolean } = {}): Read {
  const out: Read = { body: [], ended: false };
  const sink: ResponseSink = {
    onResponseHead: (status, _reason, headers) => Object.assign(out, { status, headers }),
    onResponseBody: (chunk) => void out.body.push(Buffer.from(chunk)),
    onResponseEnd: () => void (out.ended = true),
  };
  const p = new ResponseParser();
  p.reset(sink, opts.head ?? false);
  const bytes = Buffer.from(text, 'latin1');
  const step = opts.step ?? bytes.length;
  for (let i = 0; i < bytes.length && out.error === undefined; i += step) {
    out.error = p.execute(bytes.subarray(i, i + step))?.message;
  }
  if (opts.eof && out.error === undefined) out.error = p.endOfStream()?.message;
  out.keepAlive = p.keepAlive;
  return out;
}

const body = (r: Read): string => Buffer.concat(r.body).toString('latin1');

t.test('framing', async (t) => {
  for (const step of [1, 3, 1000]) {
    const cl = read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b \r\n\r\nhello', { step });
    t.same([cl.status, cl.headers, body(cl), cl.ended, cl.keepAlive], [200, ['Content-Length', '5', 'X-A', 'b'], 'hello', true, true], `content-length, step ${step}`);
    const ch = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x="a b"\r\nhello\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\n', { step });
    t.same([body(ch), ch.ended, ch.keepAlive], ['hello0123456789', true, true], `chunked with extension and trailer, step ${step}`);
  }
  const info = read('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n');
  t.same([info.status, info.ended], [204, true], '1xx skipped, 204 has no body');
  t.same(body(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', { head: true })), '', 'HEAD: no body');
  const eof = read('HTTP/1.1 200 OK\r\n\r\nuntil close', { eof: true });
  t.same([body(eof), eof.ended, eof.keepAlive], ['until close', true, false], 'no framing: read until close, not reusable');
  t.equal(read('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive, false, 'Connection: close');
  t.equal(read('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false, 'HTTP/1.0 without keep-alive');
  t.equal(read('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true, 'HTTP/1.0 with keep-alive');
});

t.test('refusals', async (t) => {
  const refused: [string, string][] = [
    ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['two Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n'],
    ['non-numeric Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 5a\r\n\r\n'],
    ['TE not ending in chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n'],
    ['NUL in a value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nX-A : a\r\n\r\n'],
    ['bare LF', 'HTTP/1.1 200 OK\nX-A: a\r\n\r\n'],
    ['101', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['17 hex digits', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n'],
    ['chunk without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naX'],
    ['head over 64 KiB', `HTTP/1.1 200 OK\r\nX-A: ${'a'.repeat(65_536)}\r\n\r\n`],
    ['bytes after the response', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab'],
  ];
  for (const [name, text] of refused) t.ok(read(text).error, name);
  t.ok(read('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', { eof: true }).error, 'closed inside a Content-Length body');
});
