// The buffered log destination over a real file: lines come out whole and in the order written,
// without waiting for a flush when the process is quiet, and both flushes write everything held.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { BufferedLogStream } from '../../src/observability/buffered-log-stream.js';
import { tempDir } from '../helpers/gateway-harness.js';
import { probeUntil } from '../helpers/wait-for.js';

const dir = await tempDir('certgate-log-stream-');
let files = 0;

function open(t: Test): { stream: BufferedLogStream; text: () => string } {
  const file = path.join(dir, `log-${++files}`);
  const fd = fs.openSync(file, 'w');
  t.teardown(() => fs.closeSync(fd));
  return { stream: new BufferedLogStream(fd), text: () => fs.readFileSync(file, 'utf8') };
}

const flushed = (stream: BufferedLogStream): Promise<void> => new Promise((resolve) => stream.flush(resolve));

t.test('a quiet stream writes a line without being asked to flush', async (t) => {
  const { stream, text } = open(t);
  stream.write('a1\n');
  stream.write('a2\n');
  t.equal(text(), '', 'nothing is written while the turn that logs runs');
  await probeUntil(text, (s) => s !== '', { what: 'the lines on disk' });
  t.equal(text(), 'a1\na2\n');
});

t.test('many lines, long and multi-byte ones among them: every one whole, in order', async (t) => {
  const { stream, text } = open(t);
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const line = i % 997 === 0 ? `${'é€😀'.repeat(30_000)}-${i}\n` : `{"n":${i},"url":"/ü/${'x'.repeat(i % 300)}"}\n`;
    expected.push(line);
    stream.write(line);
    // Some turns end while a write is in flight, so later lines queue behind it.
    if (i % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await flushed(stream);
  t.equal(text(), expected.join(''));
});

t.test('flushSync writes what is held at once', async (t) => {
  const { stream, text } = open(t);
  stream.write('b1\n');
  stream.write('b2\n');
  stream.flushSync();
  t.equal(text(), 'b1\nb2\n');
  stream.flushSync();
  t.equal(text(), 'b1\nb2\n', 'nothing twice');
});

t.test('a flush with nothing held answers at once', async (t) => {
  const { stream, text } = open(t);
  await flushed(stream);
  t.equal(text(), '');
});

t.test('to a pipe: lines with multi-byte characters come out whole and in order (blocks re-split at PIPE_BUF)', async (t) => {
  const fifo = path.join(dir, `fifo-${++files}`);
  execFileSync('mkfifo', [fifo]);
  // r+ opens a FIFO without waiting for a peer; the stream sees a pipe, not a regular file.
  const fd = fs.openSync(fifo, 'r+');
  t.teardown(() => fs.closeSync(fd));
  const reader = fs.createReadStream(fifo);
  const received: Buffer[] = [];
  reader.on('data', (chunk) => received.push(chunk as Buffer));
  const stream = new BufferedLogStream(fd);
  const expected: string[] = [];
  for (let i = 0; i < 400; i++) {
    // 4096 code units of these lines encode to about 8 KiB: each block is split before it is written.
    const line = `{"n":${i},"subject":"CN=${'é'.repeat(i % 7 === 0 ? 3000 : 200)}"}\n`;
    expected.push(line);
    stream.write(line);
  }
  await flushed(stream);
  const want = Buffer.byteLength(expected.join(''));
  await probeUntil(
    () => received.reduce((n, b) => n + b.length, 0),
    (n) => n >= want,
    { what: 'every byte through the pipe' },
  );
  reader.destroy();
  t.equal(Buffer.concat(received).toString('utf8'), expected.join(''));
});
