// Cross-check of the h1 engine against llhttp (node:http's C parser): random valid responses must
// read identically through both; random invalid or ambiguous ones must never be read differently
// (where llhttp refuses, h1 refuses; h1 may refuse more). Seeded: a failure names its seed+case.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fetchOutcome, h1Client, startFront, type Outcome } from './h1-harness.js';

const SEED = Number(process.env.H1_FUZZ_SEED ?? 0x5eed);
const VALID = 5000;
const INVALID = 2000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  readonly bytes: Buffer;
  readonly splits: number[];
  readonly label: string;
}

function generators(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const TCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
  const token = (n: number): string => Array.from({ length: 1 + int(n) }, () => TCHARS[int(TCHARS.length)]).join('');
  const value = (): string => {
    const len = int(40);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(rand() < 0.1 ? 0x20 : 0x21 + int(94));
    return s.trim();
  };
  // Hop-by-hop names among them (Proxy-Authenticate, Keep-Alive, Trailer) must stop at the gateway.
  const NAMES = ['X-A', 'x-b', 'Set-Cookie', 'Cache-Control', 'ETag', 'X-Dup', 'Vary', 'Content-Type', 'Link', 'Server', 'Proxy-Authenticate', 'Keep-Alive', 'Trailer'];
  const STATUSES = [200, 200, 200, 201, 204, 206, 301, 304, 400, 404, 418, 500, 503];

  function body(): Buffer {
    const n = rand() < 0.2 ? 0 : int(rand() < 0.1 ? 40_000 : 3_000);
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  }

  function chunked(data: Buffer): string {
    let out = '';
    let pos = 0;
    while (pos < data.length) {
      const n = Math.min(data.length - pos, 1 + int(rand() < 0.5 ? 16 : 4000));
      const ext = rand() < 0.2 ? pick([';a', ';a=b', ';name="q v"', ';x=1;y=2']) : '';
      out += (rand() < 0.5 ? n.toString(16) : n.toString(16).toUpperCase()) + ext + '\r\n' + data.subarray(pos, pos + n).toString('latin1') + '\r\n';
      pos += n;
    }
    out += '0' + (rand() < 0.1 ? ';last' : '') + '\r\n';
    if (rand() < 0.2) out += `X-Trailer: ${value()}\r\n`;
    return out + '\r\n';
  }

  function valid(): { head: string[]; framing: string; payload: string; status: number; minor: number } {
    const head: string[] = [];
    for (let n = int(3); n > 0; n--) head.push(rand() < 0.5 ? 'HTTP/1.1 100 Continue\r\n\r\n' : `HTTP/1.1 103 Early Hints\r\nLink: </${token(5)}>; rel=preload\r\n\r\n`);
    const status = pick(STATUSES);
    const minor = rand() < 0.15 ? 0 : 1;
    let h = `HTTP/1.${minor} ${status}${pick([' OK', ' ', '', ' Some Reason', ' x'])}\r\n`;
    for (let n = int(9); n > 0; n--) h += `${rand() < 0.7 ? pick(NAMES) : token(12)}:${rand() < 0.8 ? ' ' : ''}${value()}${rand() < 0.1 ? ' ' : ''}\r\n`;
    if (rand() < 0.2) h += `Connection: ${pick(['keep-alive', 'close', 'X-A', 'keep-alive, x-b'])}\r\n`;
    const data = body();
    let framing: string;
    let payload = '';
    if (status === 204 || status === 304) {
      framing = status === 304 && rand() < 0.3 ? `Content-Length: ${data.length}\r\n` : '';
    } else {
      const f = rand();
      if (f < 0.45) {
        framing = `Content-Length: ${data.length}\r\n`;
        payload = data.toString('latin1');
      } else if (f < 0.9) {
        framing = `Transfer-Encoding: ${pick(['chunked', 'Chunked', 'chunked '])}\r\n`;
        payload = chunked(data);
      } else {
        framing = ''; // read until close
        payload = data.toString('latin1');
      }
    }
    head.push(h);
    return { head, framing, payload, status, minor };
  }

  function splits(total: number): number[] {
    const n = int(4);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(1 + int(Math.max(1, total - 1)));
    return [...new Set(out)].sort((a, b) => a - b);
  }

  function validCase(i: number): Case {
    const v = valid();
    const text = v.head.join('') + v.framing + '\r\n' + v.payload;
    const bytes = Buffer.from(text, 'latin1');
    return { bytes, splits: splits(bytes.length), label: `valid #${i}` };
  }

  const MUTATIONS: readonly ((v: ReturnType<typeof valid>) => string)[] = [
    (v) => v.head.join('') + 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    (v) => v.head.join('') + 'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello',
    (v) => v.head.join('') + 'Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!',
    (v) => v.head.join('') + 'Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    (v) => v.head.join('') + 'Content-Length: 5, 5\r\n\r\nhello',
    (v) => v.head.join('') + `Transfer-Encoding: ${pick(['chunked, gzip', 'gzip', 'gzip, chunked', 'chunked, chunked', 'identity'])}\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    (v) =>
      v.head.join('') +
      `Transfer-Encoding: chunked\r\n\r\n${pick(['zz', '-1', ' 5', '5 ', '0x5', '11111111111111111', '5;', '5;a=', '5;a="x', '5 ;a', '5\t'])}\r\nhello\r\n0\r\n\r\n`,
    (v) => v.head.join('') + 'Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
    (v) => v.head.join('') + 'Transfer-Encoding: chunked\r\n\r\n9\r\nhello', // short, then close
    (v) => v.head.join('') + 'Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n',
    (v) => v.head.join('') + 'X-Folded: a\r\n  b\r\nContent-Length: 0\r\n\r\n',
    (v) => v.head.join('') + `X-Nul: a${pick(['\0', '\r', '\x01', '\x7f'])}b\r\nContent-Length: 0\r\n\r\n`,
    (v) => v.head.join('') + 'X-Space : a\r\nContent-Length: 0\r\n\r\n',
    (v) => v.head.join('') + 'X-Bare: a\nContent-Length: 0\r\n\r\n',
    (v) => v.head.join('') + `X-Huge: ${'a'.repeat(70_000)}\r\nContent-Length: 0\r\n\r\n`,
    (v) => v.head.join('') + `Content-Length: ${pick(['12a', '+5', '-1', '0x5', '', '99999999999999999999'])}\r\n\r\nhello`,
    (v) => v.head.join('') + 'Content-Length: 10\r\n\r\nhello', // short body, then close
    (v) => v.head.join('') + 'Content-Length: 2\r\n\r\nhello', // more than announced
    () => 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n',
    () =>
      pick([
        'HTTP/1.1 20 OK\r\n\r\n',
        'HTTP/2 200 OK\r\n\r\n',
        'HTTP/1.1 200OK\r\n\r\n',
        'HTTP/1.2 200 OK\r\n\r\n',
        'HTTP/1.1 099 x\r\n\r\n',
        'http/1.1 200 OK\r\n\r\n',
        'HTTP/1.1 200 OK\n\n',
      ]),
    (v) => {
      // one random byte of a valid response replaced
      const text = v.head.join('') + v.framing + '\r\n' + v.payload;
      const at = int(Math.min(text.length, v.head.join('').length + v.framing.length + 2));
      return text.slice(0, at) + String.fromCharCode(pick([0, 9, 10, 13, 32, 58, 59, 0x7f, 0xff, int(256)])) + text.slice(at + 1);
    },
  ];

  function invalidCase(i: number): Case {
    const v = valid();
    v.head[v.head.length - 1] = v.head[v.head.length - 1]!.replace(/\r\nConnection:[^\r]*/i, '');
    const m = int(MUTATIONS.length);
    const bytes = Buffer.from(MUTATIONS[m]!(v), 'latin1');
    return { bytes, splits: splits(bytes.length), label: `invalid #${i} (mutation ${m})` };
  }

  return { validCase, invalidCase };
}

/** Serves case N at /c/N: the bytes in pieces across TCP writes, then closes. */
async function startRawServer(cases: Case[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    let answered = false;
    const answer = async (c: Case): Promise<void> => {
      let prev = 0;
      for (const at of [...c.splits, c.bytes.length]) {
        if (socket.destroyed) return;
        socket.write(c.bytes.subarray(prev, at));
        prev = at;
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
    };
    socket.on('data', (d: Buffer) => {
      if (answered) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      answered = true;
      const c = cases[Number(/^GET \/c\/(\d+) /.exec(head)?.[1] ?? -1)];
      if (c === undefined) return void socket.destroy();
      answer(c).catch(() => socket.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * Hop-by-hop fields (RFC 9110 section 7.6.1; RFC 2616 section 13.5.1 lists the same names), written
 * out here rather than taken from src/forward/response-headers.ts, the code under test.
 * Proxy-Connection is the non-standard one browsers and proxies still send.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection'];

/** What a client of the gateway should see of an upstream's headers: no hop-by-hop field, none the upstream's Connection named. */
function expectedThroughGateway(raw: readonly string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') for (const tok of raw[i + 1]!.split(',')) named.add(tok.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.includes(n) && !named.has(n)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/**
 * The front's own node:http server adds its framing: exactly these values, so an upstream's
 * hop-by-hop field leaking through h1 (any other name or value) still shows.
 */
const FRONT_FRAMING: ReadonlyArray<[string, RegExp]> = [
  ['connection', /^(keep-alive|close)$/],
  ['keep-alive', /^timeout=\d+$/],
  ['transfer-encoding', /^chunked$/],
];
function withoutFrontFraming(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!.toLowerCase();
    if (!FRONT_FRAMING.some(([name, value]) => n === name && value.test(raw[i + 1]!))) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** `direct` is what llhttp read from the upstream; the other side went through h1 and the front. */
function describe(o: Outcome, side: 'direct' | 'via-h1'): string {
  const clean = side === 'direct' ? expectedThroughGateway : withoutFrontFraming;
  if (o.kind === 'head-error') return `head-error(${o.detail})`;
  if (o.kind === 'body-error') return `body-error ${o.status} ${JSON.stringify(clean(o.headers))}`;
  return `ok ${o.status} ${JSON.stringify(clean(o.headers))} body=${o.body.length}B sha=${o.body.toString('base64').slice(0, 24)}`;
}

async function runAll(cases: Case[], check: (c: Case, direct: Outcome, viaH1: Outcome) => void): Promise<void> {
  const raw = await startRawServer(cases);
  const client = h1Client(raw.port, { connections: 8 });
  const front = await startFront(client);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++;
      const t0 = Date.now();
      const [direct, viaH1] = await Promise.all([fetchOutcome(raw.port, `/c/${i}`, false), fetchOutcome(front.port, `/c/${i}`, agent)]);
      if (process.env.H1_DEBUG && Date.now() - t0 > 500)
        console.error(
          'SLOW',
          Date.now() - t0,
          cases[i]!.label,
          describe(direct, 'direct'),
          '|',
          describe(viaH1, 'via-h1'),
          JSON.stringify(cases[i]!.bytes.subarray(0, 150).toString('latin1')),
        );
      check(cases[i]!, direct, viaH1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  await front.close();
  await client.close();
  await raw.close();
}

const viaH1Error = (o: Outcome): boolean => o.kind === 'head-error' || (o.kind === 'ok' && o.headers.includes('x-h1-error'));

t.test(`${VALID} random valid responses read identically through h1 and llhttp (seed ${SEED})`, async (t) => {
  const g = generators(prng(SEED));
  const cases = Array.from({ length: VALID }, (_, i) => g.validCase(i));
  const mismatches: string[] = [];
  await runAll(cases, (c, direct, viaH1) => {
    const a = describe(direct, 'direct');
    const b = describe(viaH1, 'via-h1');
    if (direct.kind !== 'ok' || a !== b || (viaH1.kind === 'ok' && !direct.body.equals(viaH1.body))) {
      mismatches.push(`${c.label}: llhttp ${a} / h1 ${b}\n  ${JSON.stringify(c.bytes.subarray(0, 300).toString('latin1'))}`);
    }
  });
  t.same(mismatches.slice(0, 5), [], `${mismatches.length} of ${VALID} differ`);
});

t.test(`${INVALID} invalid or ambiguous responses: h1 never reads them differently (seed ${SEED})`, async (t) => {
  const g = generators(prng(SEED + 1));
  const cases = Array.from({ length: INVALID }, (_, i) => g.invalidCase(i));
  const violations: string[] = [];
  const tally = { bothRejected: 0, sameResponse: 0, h1Stricter: 0 };
  const stricterBy: Record<string, number> = {};
  await runAll(cases, (c, direct, viaH1) => {
    const h1Refused = viaH1Error(viaH1);
    if (direct.kind === 'head-error') {
      if (h1Refused) tally.bothRejected++;
      else violations.push(`${c.label}: llhttp refused (${direct.detail}), h1 gave ${describe(viaH1, 'via-h1')}\n  ${JSON.stringify(c.bytes.subarray(0, 300).toString('latin1'))}`);
      return;
    }
    if ((h1Refused || viaH1.kind === 'body-error') && direct.kind === 'body-error') {
      tally.bothRejected++; // both failed the body; h1 may fail before its head reached the client
      return;
    }
    if (h1Refused || (viaH1.kind === 'body-error' && direct.kind === 'ok')) {
      tally.h1Stricter++;
      const m = /mutation \d+/.exec(c.label)![0];
      stricterBy[m] = (stricterBy[m] ?? 0) + 1;
      return;
    }
    if (describe(direct, 'direct') === describe(viaH1, 'via-h1') && (direct.kind !== 'ok' || viaH1.kind !== 'ok' || direct.body.equals(viaH1.body))) tally.sameResponse++;
    else violations.push(`${c.label}: llhttp ${describe(direct, 'direct')} / h1 ${describe(viaH1, 'via-h1')}\n  ${JSON.stringify(c.bytes.subarray(0, 300).toString('latin1'))}`);
  });
  t.comment(`invalid cases: ${JSON.stringify(tally)}; h1 refused what llhttp read, by mutation: ${JSON.stringify(stricterBy)}`);
  t.same(violations.slice(0, 5), [], `${violations.length} of ${INVALID} read differently`);
});
