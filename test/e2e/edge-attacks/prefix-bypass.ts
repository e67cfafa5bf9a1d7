import type { Test } from 'tap';

export async function prefixBypass(t: Test): Promise<void> {
  t.fail('not written yet');
}
