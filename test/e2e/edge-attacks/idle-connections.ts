import type { Test } from 'tap';

export async function idleConnections(t: Test): Promise<void> {
  t.fail('not written yet');
}
