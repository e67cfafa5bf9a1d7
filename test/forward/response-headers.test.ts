// filterRawResponseHeaders with a literal table: what an upstream's response head becomes on its way
// to the client. Hop-by-hop fields (RFC 9110 section 7.6.1; RFC 2616 section 13.5.1) and every field
// the upstream's Connection header names stop at the gateway; everything else passes in order, with
// its original case and duplicates.
import t from 'tap';
import { filterRawResponseHeaders } from '../../src/forward/response-headers.js';

// Written out here, not imported: the list a reviewer checks against the RFCs.
const HOP_BY_HOP = ['Connection', 'Keep-Alive', 'Proxy-Authenticate', 'Proxy-Authorization', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'Proxy-Connection'];

const cases: ReadonlyArray<[name: string, upstream: string[], toClient: string[]]> = [
  [
    'end-to-end fields pass in order, case and duplicates kept',
    ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-A', 'x'],
    ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'X-A', 'x'],
  ],
  ...HOP_BY_HOP.map((h): [string, string[], string[]] => [`${h} is removed`, ['X-Before', '1', h, 'v', 'X-After', '2'], ['X-Before', '1', 'X-After', '2']]),
  ...HOP_BY_HOP.map((h): [string, string[], string[]] => [`${h.toUpperCase()} (any case) is removed`, [h.toUpperCase(), 'v', 'ETag', '"e"'], ['ETag', '"e"']]),
  ['keep-alive lower case', ['keep-alive', 'timeout=5', 'Vary', 'Accept'], ['Vary', 'Accept']],
  ['proxy-authenticate lower case', ['proxy-authenticate', 'Basic realm="x"', 'Server', 's'], ['Server', 's']],
  ['every hop-by-hop field at once', HOP_BY_HOP.flatMap((h) => [h, 'x']), []],
  ['a field the Connection header names is removed', ['Connection', 'X-Secret', 'X-Secret', 'internal', 'X-Public', 'ok'], ['X-Public', 'ok']],
  [
    'Connection names are case-insensitive, comma-separated, spaces trimmed',
    ['Connection', ' x-one ,X-TWO,, keep-alive', 'X-One', '1', 'x-two', '2', 'X-Three', '3'],
    ['X-Three', '3'],
  ],
  ['a named field before the Connection header is removed too', ['X-Early', 'e', 'Cache-Control', 'no-store', 'connection', 'x-early'], ['Cache-Control', 'no-store']],
  ['two Connection headers: both lists apply', ['Connection', 'x-a', 'X-A', '1', 'Connection', 'X-B', 'X-B', '2', 'X-C', '3'], ['X-C', '3']],
  ['every duplicate of a named field is removed', ['X-Dup', '1', 'Connection', 'x-dup', 'X-Dup', '2', 'x-dup', '3', 'Link', '</a>'], ['Link', '</a>']],
  ['Connection: close names no end-to-end field', ['Connection', 'close', 'Content-Length', '3'], ['Content-Length', '3']],
  ['a Connection token naming an end-to-end field the gateway would keep removes it', ['Connection', 'Content-Type', 'Content-Type', 'text/html', 'ETag', '"x"'], ['ETag', '"x"']],
  [
    'similar names are not hop-by-hop',
    ['Connections', 'a', 'X-Upgrade', 'b', 'Trailers', 'c', 'TE-X', 'd', 'Keep-Alive-X', 'e'],
    ['Connections', 'a', 'X-Upgrade', 'b', 'Trailers', 'c', 'TE-X', 'd', 'Keep-Alive-X', 'e'],
  ],
  ['empty', [], []],
];

for (const [name, upstream, toClient] of cases) {
  t.test(name, async (t) => {
    t.same(filterRawResponseHeaders(upstream), toClient, 'string input');
    t.same(filterRawResponseHeaders(upstream.map((s) => Buffer.from(s, 'latin1'))), toClient, 'Buffer input (undici raw headers)');
  });
}

t.test('latin1 bytes pass unchanged', async (t) => {
  const value = Buffer.from([0x61, 0xe9, 0xff, 0x20, 0x62]);
  t.same(filterRawResponseHeaders([Buffer.from('X-Bytes'), value]), ['X-Bytes', value.toString('latin1')]);
});

t.test("the request-ID header: the upstream's copies are replaced by the gateway's ID", async (t) => {
  const idHeader = { name: 'X-Request-Id', lower: 'x-request-id' };
  t.same(filterRawResponseHeaders(['Content-Type', 'text/plain', 'x-request-id', 'upstream-1', 'X-REQUEST-ID', 'upstream-2'], idHeader, 'gw-1'), [
    'Content-Type',
    'text/plain',
    'X-Request-Id',
    'gw-1',
  ]);
  t.same(filterRawResponseHeaders(['Connection', 'x-other', 'x-other', 'v'], idHeader, 'gw-2'), ['X-Request-Id', 'gw-2'], 'with a Connection-named field removed too');
  t.same(
    filterRawResponseHeaders(['Connection', 'X-Request-Id', 'x-request-id', 'u'], idHeader, 'gw-3'),
    ['X-Request-Id', 'gw-3'],
    'an upstream naming it in Connection cannot remove it',
  );
  t.same(filterRawResponseHeaders(['x-request-id', 'upstream'], idHeader, undefined), ['x-request-id', 'upstream'], 'without an ID, nothing is replaced');
});
