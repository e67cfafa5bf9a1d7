import type { Test } from 'tap';

export async function pipelinedAfterLeaving(t: Test): Promise<void> {
  t.fail('not written yet');
}
