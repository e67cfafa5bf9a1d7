// The Node flags a worker is forked with: the supervisor's own, plus a small V8 young generation
// (peak RSS, issue 11) unless the operator chose a size, on the command line or in NODE_OPTIONS.
import t from 'tap';
import { workerExecArgv } from '../../src/supervisor/spare-workers.js';

t.test('adds --max-semi-space-size=4 after the supervisor flags', async (t) => {
  t.same(workerExecArgv([]), ['--max-semi-space-size=4']);
  t.same(workerExecArgv(['--enable-source-maps'], '--dns-result-order=ipv4first'), ['--enable-source-maps', '--max-semi-space-size=4']);
});

t.test("keeps the operator's size, in any spelling V8 accepts", async (t) => {
  t.same(workerExecArgv(['--max-semi-space-size=16']), ['--max-semi-space-size=16']);
  t.same(workerExecArgv(['--max_semi_space_size=8']), ['--max_semi_space_size=8']);
  t.same(workerExecArgv([], '--max-semi-space-size=6'), []);
});
