// Stryker's buildCommand (stryker.config.mjs), run inside its sandbox: compile the instrumented
// src/ and the tests to plain JS in .mutation-build/, then link what the compiled tests read next
// to themselves (test/fixtures/) or import as JavaScript (bench/).
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';

execFileSync('npx', ['tsc', '-p', 'tsconfig.mutation.json'], { stdio: 'inherit' });
for (const [link, target] of [['.mutation-build/test/fixtures', '../../test/fixtures'], ['.mutation-build/bench', '../bench']]) {
  rmSync(link, { recursive: true, force: true });
  symlinkSync(target, link);
}
