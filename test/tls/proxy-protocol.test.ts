// The PROXY protocol parser (src/tls/proxy-protocol.ts) over bytes from the network: it never
// throws, a header built by the spec's rules comes back with its client address and port and the
// exact byte count, and a header cut short is "incomplete" until its last byte.
import t from 'tap';
import fc from 'fast-check';
import { parseProxyHeader } from '../../src/tls/proxy-protocol.js';

const seed = Number(process.env.FC_SEED ?? 20261129);
t.comment(`fast-check seed ${seed} (set FC_SEED to replay)`);
const runs = { seed, numRuns: 500 };

const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');
const TLS_RECORD = Buffer.from('160301020001', 'hex'); // what a ClientHello starts with

function v2Header(command: number, familyTransport: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0x20 | command;
  head[1] = familyTransport;
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, head, body]);
}

function v2Inet(src: number[], srcPort: number, tlvs: Buffer = Buffer.alloc(0)): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(srcPort, 0);
  ports.writeUInt16BE(443, 2);
  return v2Header(1, 0x11, Buffer.concat([Buffer.from(src), Buffer.from([10, 0, 0, 1]), ports, tlvs]));
}

t.test('literal headers', async (t) => {
  const v1 = Buffer.from('PROXY TCP4 127.0.0.2 127.0.0.1 56324 443\r\n');
  t.same(parseProxyHeader(Buffer.concat([v1, TLS_RECORD]), 'v1'), { kind: 'ok', consumed: v1.length, source: { address: '127.0.0.2', port: 56324 } });
  const v6 = Buffer.from('PROXY TCP6 2001:DB8:0:0::1 ::1 1 443\r\n');
  t.same(parseProxyHeader(v6, 'any'), { kind: 'ok', consumed: v6.length, source: { address: '2001:db8::1', port: 1 } });
  t.same(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n'), 'any'), { kind: 'ok', consumed: 15, source: undefined });
  const v2 = v2Inet([127, 0, 0, 2], 40000);
  t.same(parseProxyHeader(Buffer.concat([v2, TLS_RECORD]), 'v2'), { kind: 'ok', consumed: 28, source: { address: '127.0.0.2', port: 40000 } });
  t.same(parseProxyHeader(v2Header(0, 0x00, Buffer.alloc(0)), 'v2'), { kind: 'ok', consumed: 16, source: undefined }, 'v2 LOCAL: the socket address stands');
  t.same(parseProxyHeader(v2Header(1, 0x00, Buffer.alloc(0)), 'v2'), { kind: 'ok', consumed: 16, source: undefined }, 'v2 AF_UNSPEC: like LOCAL');
  t.equal(parseProxyHeader(v2Header(1, 0x31, Buffer.alloc(216)), 'v2').kind, 'error', 'v2 AF_UNIX refused');
  t.equal(parseProxyHeader(v2Header(1, 0x12, Buffer.alloc(12)), 'v2').kind, 'error', 'v2 DGRAM refused');
  t.same(parseProxyHeader(TLS_RECORD, 'any'), { kind: 'absent' }, 'a ClientHello is not a header');
  t.same(parseProxyHeader(Buffer.alloc(0), 'any'), { kind: 'incomplete' });
  t.same(parseProxyHeader(Buffer.from('PROX'), 'v1'), { kind: 'incomplete' });
});

t.test('refused: wrong version, oversize, bad fields', async (t) => {
  t.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'v2').kind, 'error', 'v1 on a v2 listener');
  t.equal(parseProxyHeader(v2Inet([1, 2, 3, 4], 1), 'v1').kind, 'error', 'v2 on a v1 listener');
  t.equal(parseProxyHeader(Buffer.from('PROXY ' + 'A'.repeat(120)), 'v1').kind, 'error', 'no CRLF within 107 bytes');
  const big = Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x10, 0x01])]);
  t.equal(parseProxyHeader(big, 'v2').kind, 'error', 'v2 length above 4096 refused before the bytes arrive');
  for (const line of [
    'PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 01 1\r\n',
    'PROXY TCP4 ::1 5.6.7.8 1 1\r\n',
    'PROXY TCP6 1.2.3.4 ::1 1 1\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n',
    'PROXY UDP4 1.2.3.4 5.6.7.8 1 1\r\n',
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 1\n',
    'PROXY TCP4  1.2.3.4 5.6.7.8 1 1\r\n',
  ]) {
    t.equal(parseProxyHeader(Buffer.from(line), 'any').kind, 'error', JSON.stringify(line));
  }
  t.equal(parseProxyHeader(Buffer.concat([V2_SIGNATURE, Buffer.from([0x31, 0x11, 0, 12])]), 'v2').kind, 'error', 'v2 version 3');
  t.equal(parseProxyHeader(Buffer.concat([V2_SIGNATURE, Buffer.from([0x22, 0x11, 0, 12])]), 'v2').kind, 'error', 'v2 command 2');
  t.equal(parseProxyHeader(v2Header(1, 0x11, Buffer.alloc(8)), 'v2').kind, 'error', 'AF_INET body too short');
  t.equal(parseProxyHeader(v2Header(1, 0x21, Buffer.alloc(20)), 'v2').kind, 'error', 'AF_INET6 body too short');
});

const accept = fc.constantFrom('v1' as const, 'v2' as const, 'any' as const);

t.test('property: arbitrary bytes never throw and give a known result', async (t) => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([V2_SIGNATURE, b])),
    fc.string({ maxLength: 120 }).map((s) => Buffer.from('PROXY ' + s)),
  );
  fc.assert(
    fc.property(bytes, accept, (b, a) => {
      const r = parseProxyHeader(b, a);
      if (r.kind === 'ok') return r.consumed > 0 && r.consumed <= b.length;
      return ['incomplete', 'absent', 'error'].includes(r.kind);
    }),
    runs,
  );
  t.pass();
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
const port = fc.nat(65535);
const trailing = fc.uint8Array({ maxLength: 64 });

/** Compare with Node's own formatting of an address, not the parser's. */
function nodeForm(address: string): string {
  return new URL(`http://${address.includes(':') ? `[${address}]` : address}/`).hostname.replace(/^\[|\]$/g, '');
}

t.test('property: v1 headers round-trip with the exact byte count', async (t) => {
  fc.assert(
    fc.property(fc.boolean(), ipv4, ipv6, port, port, trailing, (six, a4, a6, sport, dport, rest) => {
      const src = six ? a6.map((g) => g.toString(16)).join(':') : a4.join('.');
      const dst = six ? '::1' : '10.0.0.1';
      const header = Buffer.from(`PROXY ${six ? 'TCP6' : 'TCP4'} ${src} ${dst} ${sport} ${dport}\r\n`);
      const r = parseProxyHeader(Buffer.concat([header, rest]), 'v1');
      return r.kind === 'ok' && r.consumed === header.length && r.source?.address === nodeForm(src) && r.source.port === sport;
    }),
    runs,
  );
  t.pass();
});

t.test('property: v2 headers round-trip with the exact byte count, TLVs ignored', async (t) => {
  fc.assert(
    fc.property(fc.boolean(), ipv4, ipv6, port, fc.uint8Array({ maxLength: 200 }), trailing, (six, a4, a6, sport, tlvs, rest) => {
      const ports = Buffer.alloc(4);
      ports.writeUInt16BE(sport, 0);
      ports.writeUInt16BE(443, 2);
      const src6 = Buffer.alloc(16);
      a6.forEach((g, i) => src6.writeUInt16BE(g, i * 2));
      const addresses = six ? Buffer.concat([src6, Buffer.alloc(16), ports]) : Buffer.concat([Buffer.from(a4), Buffer.alloc(4), ports]);
      const header = v2Header(1, six ? 0x21 : 0x11, Buffer.concat([addresses, tlvs]));
      const r = parseProxyHeader(Buffer.concat([header, rest]), 'v2');
      const src = six ? a6.map((g) => g.toString(16)).join(':') : a4.join('.');
      return r.kind === 'ok' && r.consumed === header.length && r.source?.address === nodeForm(src) && r.source.port === sport;
    }),
    runs,
  );
  t.pass();
});

t.test('property: every strict prefix of a valid header is incomplete', async (t) => {
  fc.assert(
    fc.property(ipv4, port, fc.boolean(), (a4, sport, v2) => {
      const header = v2 ? v2Inet(a4, sport) : Buffer.from(`PROXY TCP4 ${a4.join('.')} 10.0.0.1 ${sport} 443\r\n`);
      for (let n = 0; n < header.length; n++) if (parseProxyHeader(header.subarray(0, n), 'any').kind !== 'incomplete') return false;
      return true;
    }),
    { seed, numRuns: 100 },
  );
  t.pass();
});
