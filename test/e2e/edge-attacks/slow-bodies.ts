import type { Test } from 'tap';

export async function slowBodies(t: Test): Promise<void> {
  t.fail('not written yet');
}
