import type { Test } from 'tap';

export async function spoofedHeaders(t: Test): Promise<void> {
  t.fail('not written yet');
}
