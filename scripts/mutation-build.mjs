// Stryker's buildCommand (stryker.config.mjs), run inside its sandbox: compile the instrumented
// src/ and the tests to plain JS in .mutation-build/, then copy what the compiled tests read next
// to themselves (the non-TypeScript files of test/fixtures/) and link bench/ (imported as JS).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, symlinkSync } from 'node:fs';

execFileSync('npx', ['tsc', '-p', 'tsconfig.mutation.json'], { stdio: 'inherit' });
cpSync('test/fixtures', '.mutation-build/test/fixtures', { recursive: true, filter: (src) => !src.endsWith('.ts') });
rmSync('.mutation-build/bench', { recursive: true, force: true });
symlinkSync('../bench', '.mutation-build/bench');
