import type { Test } from 'tap';

export async function crashCertificates(t: Test): Promise<void> {
  t.fail('not written yet');
}
