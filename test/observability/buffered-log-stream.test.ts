// The buffered log destination over a real file: lines come out whole and in the order written,
// whichever way they were written, buffered lines wait for their block, and both flushes write
// everything that is held.
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BufferedLogStream } from '../../src/observability/buffered-log-stream.js';
import { tempDir } from '../helpers/gateway-harness.js';

const dir = await tempDir('certgate-log-stream-');
let files = 0;

function open(t: Test): { stream: BufferedLogStream; text: () => string } {
  const file = path.join(dir, `log-${++files}`);
  const fd = fs.openSync(file, 'w');
  t.teardown(() => fs.closeSync(fd));
  return { stream: new BufferedLogStream(fd), text: () => fs.readFileSync(file, 'utf8') };
}

const flushed = (stream: BufferedLogStream): Promise<void> => new Promise((resolve) => stream.flush(resolve));

t.test('buffered lines wait; a prompt line takes them out with it, in order', async (t) => {
  const { stream, text } = open(t);
  stream.writeBuffered('a1\n');
  stream.writeBuffered('a2\n');
  await nextTurn();
  await nextTurn();
  t.equal(text(), '', 'a small block is held');
  stream.write('{"msg":"draining"}\n');
  stream.writeBuffered('a3\n');
  await flushed(stream);
  t.equal(text(), 'a1\na2\n{"msg":"draining"}\na3\n');
});

t.test('many lines, long and multi-byte ones among them: every one whole, in order', async (t) => {
  const { stream, text } = open(t);
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const line = i % 997 === 0 ? `${'é€😀'.repeat(30_000)}-${i}\n` : `{"n":${i},"url":"/ü/${'x'.repeat(i % 300)}"}\n`;
    expected.push(line);
    if (i % 50 === 0) stream.write(line);
    else stream.writeBuffered(line);
  }
  await flushed(stream);
  t.equal(text(), expected.join(''));
});

t.test('flushSync writes what is held at once', async (t) => {
  const { stream, text } = open(t);
  stream.writeBuffered('b1\n');
  stream.writeBuffered('b2\n');
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
