// The Node flags a worker is forked with: the supervisor's own, plus a small V8 young generation
// and an old-generation limit (peak RSS, issue 11), each unless the operator chose that size, on
// the command line or in NODE_OPTIONS.
import t from 'tap';
import { workerExecArgv } from '../../src/supervisor/spare-workers.js';

t.test('adds the young-generation size and the old-generation limit after the supervisor flags', async (t) => {
  t.same(workerExecArgv([]), ['--max-semi-space-size=4', '--max-old-space-size=512']);
  t.same(workerExecArgv(['--enable-source-maps'], '--dns-result-order=ipv4first'), ['--enable-source-maps', '--max-semi-space-size=4', '--max-old-space-size=512']);
});

t.test("keeps the operator's young-generation size, in any spelling V8 accepts", async (t) => {
  t.same(workerExecArgv(['--max-semi-space-size=16']), ['--max-semi-space-size=16', '--max-old-space-size=512']);
  t.same(workerExecArgv(['--max_semi_space_size=8']), ['--max_semi_space_size=8', '--max-old-space-size=512']);
  t.same(workerExecArgv([], '--max-semi-space-size=6'), ['--max-old-space-size=512']);
});

t.test("keeps the operator's heap limit (old space or whole heap)", async (t) => {
  t.same(workerExecArgv(['--max-old-space-size=2048']), ['--max-old-space-size=2048', '--max-semi-space-size=4']);
  t.same(workerExecArgv([], '--max_old_space_size=300'), ['--max-semi-space-size=4']);
  t.same(workerExecArgv(['--max-heap-size=1024']), ['--max-heap-size=1024', '--max-semi-space-size=4']);
  t.same(workerExecArgv(['--max-semi-space-size=1', '--max-old-space-size=64']), ['--max-semi-space-size=1', '--max-old-space-size=64']);
});
