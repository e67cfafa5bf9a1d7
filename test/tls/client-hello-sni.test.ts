// The ClientHello SNI parser (src/tls/client-hello-sni.ts) over bytes from the network: it never
// throws, finds the server name in ClientHellos built by RFC 8446's rules however they are cut into
// TLS records and TCP segments (and says "incomplete" until the last byte), and reads the
// ClientHellos that `openssl s_client` and Node's tls.connect really send.
import t from 'tap';
import fc from 'fast-check';
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';
import { readClientHelloSni, type ClientHelloSni } from '../../src/tls/client-hello-sni.js';

const seed = Number(process.env.FC_SEED ?? 20261129);
t.comment(`fast-check seed ${seed} (set FC_SEED to replay)`);
const runs = { seed, numRuns: 300 };

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);

function sniExtension(names: readonly { type: number; name: Buffer }[]): Buffer {
  const list = Buffer.concat(names.map((n) => Buffer.concat([Buffer.from([n.type]), vec16(n.name)])));
  return Buffer.concat([u16(0), vec16(vec16(list))]);
}

interface HelloParts {
  sessionId: Uint8Array;
  suites: number[];
  before: { type: number; data: Uint8Array }[];
  after: { type: number; data: Uint8Array }[];
  name: string | undefined;
}

function clientHello(p: HelloParts): Buffer {
  const ext = (e: { type: number; data: Uint8Array }): Buffer => Buffer.concat([u16(e.type), vec16(Buffer.from(e.data))]);
  const extensions = Buffer.concat([
    ...p.before.map(ext),
    ...(p.name === undefined ? [] : [sniExtension([{ type: 0, name: Buffer.from(p.name, 'latin1') }])]),
    ...p.after.map(ext),
  ]);
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7),
    Buffer.from([p.sessionId.length]),
    Buffer.from(p.sessionId),
    vec16(Buffer.concat(p.suites.map(u16))),
    Buffer.from([1, 0]),
    vec16(extensions),
  ]);
  return Buffer.concat([Buffer.from([1]), u24(body.length), body]);
}

/** The handshake message cut into TLS records of the given sizes (the last takes the rest). */
function records(message: Buffer, sizes: readonly number[]): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (const size of [...sizes, message.length]) {
    if (at >= message.length) break;
    const fragment = message.subarray(at, Math.min(message.length, at + size));
    out.push(Buffer.from([0x16, 3, 1]), u16(fragment.length), fragment);
    at += fragment.length;
  }
  return Buffer.concat(out);
}

const extension = fc.record({ type: fc.integer({ min: 1, max: 0xffff }), data: fc.uint8Array({ maxLength: 300 }) });
const hello = fc.record({
  sessionId: fc.uint8Array({ maxLength: 32 }),
  suites: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 }),
  before: fc.array(extension, { maxLength: 6 }),
  after: fc.array(extension, { maxLength: 6 }),
  name: fc.option(fc.domain(), { nil: undefined }),
});

/** Feeds `stream` in the given segments, as the dispatcher does: every prefix but the whole is incomplete. */
function feed(stream: Buffer, cuts: readonly number[]): { before: ClientHelloSni[]; whole: ClientHelloSni } {
  const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b).filter((c) => c > 0);
  return { before: points.map((p) => readClientHelloSni(stream.subarray(0, p))), whole: readClientHelloSni(stream) };
}

t.test('never throws on arbitrary bytes, and answers one of the three kinds', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => ['incomplete', 'complete', 'invalid'].includes(readClientHelloSni(bytes).kind)),
    runs,
  );
  // Bytes that start like a handshake record get past the first check.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 3000 }), (tail) =>
      ['incomplete', 'complete', 'invalid'].includes(readClientHelloSni(Buffer.concat([Buffer.from([0x16, 3, 1]), tail])).kind),
    ),
    runs,
  );
});

t.test('mutated valid ClientHellos never make it throw', async () => {
  fc.assert(
    fc.property(hello, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), (p, flips) => {
      const bytes = records(clientHello(p), []);
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      readClientHelloSni(bytes);
      return true;
    }),
    runs,
  );
});

t.test('finds the name of a generated ClientHello cut into any records and segments', async () => {
  fc.assert(
    fc.property(hello, fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 12 }), (p, sizes, cuts) => {
      const stream = records(clientHello(p), sizes);
      const { before, whole } = feed(stream, cuts);
      return before.every((r) => r.kind === 'incomplete') && whole.kind === 'complete' && whole.serverName === p.name;
    }),
    runs,
  );
});

t.test('a ClientHello in one record and the same one cut into two records read alike, even mutated', async () => {
  // The one-record case is read in place; every other goes through reassembly: both must agree.
  fc.assert(
    fc.property(hello, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), (p, flips, cut) => {
      const message = clientHello(p);
      for (const [at, value] of flips) message[4 + (at % (message.length - 4))] = value;
      const split = 1 + (cut % (message.length - 1));
      const one = readClientHelloSni(records(message, []));
      const two = readClientHelloSni(records(message, [split]));
      return JSON.stringify(one) === JSON.stringify(two);
    }),
    runs,
  );
});

t.test('literal cases', async (t) => {
  const base: HelloParts = { sessionId: new Uint8Array(0), suites: [0x1301], before: [], after: [], name: 'MTLS.Example.COM' };
  t.same(readClientHelloSni(records(clientHello(base), [])), { kind: 'complete', serverName: 'mtls.example.com' }, 'lower-cased');
  t.same(readClientHelloSni(records(clientHello({ ...base, name: undefined }), [])), { kind: 'complete', serverName: undefined }, 'no SNI');
  t.same(readClientHelloSni(Buffer.alloc(0)), { kind: 'incomplete' });
  t.equal(readClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'invalid', 'plain HTTP');
  t.equal(readClientHelloSni(Buffer.from('PROXY TCP4 ')).kind, 'invalid', 'a PROXY header the listener does not expect');
  t.equal(readClientHelloSni(Buffer.from([0x16, 3, 1, 0, 0])).kind, 'invalid', 'empty record');
  t.equal(readClientHelloSni(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])).kind, 'invalid', 'a ServerHello');
  t.equal(readClientHelloSni(Buffer.from([0x16, 3, 1, 0, 4, 1, 0, 0x40, 1])).kind, 'invalid', 'a ClientHello announced at 16 KiB + 1 byte');
  const hello = clientHello(base);
  const stream = Buffer.concat([records(hello.subarray(0, 10), []), Buffer.from([0x17, 3, 3, 0, 1, 0]), records(hello.subarray(10), [])]);
  t.equal(readClientHelloSni(stream).kind, 'invalid', 'application data inside the ClientHello');
  const twoNames = Buffer.concat([u16(0), vec16(vec16(Buffer.concat([Buffer.from([1]), vec16(Buffer.from('x')), Buffer.from([0]), vec16(Buffer.from('b.example'))])))]);
  const fixed = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([0]), vec16(u16(0x1301)), Buffer.from([1, 0]), vec16(twoNames)]);
  t.same(
    readClientHelloSni(records(Buffer.concat([Buffer.from([1]), u24(fixed.length), fixed]), [])),
    { kind: 'complete', serverName: 'b.example' },
    'skips a name of another type',
  );
});

/** The first bytes a real client sends, up to the end of its ClientHello. */
function captureClientHello(connect: (port: number) => () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let stop: (() => void) | undefined;
    const server = net.createServer((socket) => {
      let bytes = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        if (readClientHelloSni(bytes).kind === 'incomplete') return;
        socket.destroy();
        server.close();
        stop?.();
        resolve(bytes);
      });
      socket.on('error', () => undefined);
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      stop = connect((server.address() as net.AddressInfo).port);
    });
  });
}

function openssl(args: string[]): (port: number) => () => void {
  return (port) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
    return () => child.kill();
  };
}

function node(options: tls.ConnectionOptions): (port: number) => () => void {
  return (port) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options });
    socket.on('error', () => undefined);
    return () => socket.destroy();
  };
}

t.test('ClientHellos from openssl s_client', async (t) => {
  t.same(readClientHelloSni(await captureClientHello(openssl(['-servername', 'mtls.idp.example.com']))), { kind: 'complete', serverName: 'mtls.idp.example.com' });
  t.same(readClientHelloSni(await captureClientHello(openssl(['-servername', 'a.b.example', '-tls1_2']))), { kind: 'complete', serverName: 'a.b.example' }, 'TLS 1.2 only');
  t.same(readClientHelloSni(await captureClientHello(openssl(['-noservername']))), { kind: 'complete', serverName: undefined }, '-noservername');
  const real = await captureClientHello(openssl(['-servername', 'split.example']));
  // The real bytes cut at every point: incomplete up to the last byte.
  const prefixes = Array.from({ length: real.length - 1 }, (_, i) => readClientHelloSni(real.subarray(0, i + 1)).kind);
  t.ok(
    prefixes.every((k) => k === 'incomplete'),
    'every proper prefix is incomplete',
  );
});

t.test("ClientHellos from Node's tls.connect", async (t) => {
  t.same(readClientHelloSni(await captureClientHello(node({ servername: 'node.example.org' }))), { kind: 'complete', serverName: 'node.example.org' });
  t.same(readClientHelloSni(await captureClientHello(node({ servername: 'tls12.example.org', maxVersion: 'TLSv1.2' }))), { kind: 'complete', serverName: 'tls12.example.org' });
  // Node sends no SNI for an IP address (RFC 6066 forbids literal addresses there).
  t.same(readClientHelloSni(await captureClientHello(node({}))), { kind: 'complete', serverName: undefined });
});
