// `--help` for the bench scripts: the script's leading `//` comment block is its usage text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Prints the leading comment block of the script at `scriptUrl` (its import.meta.url). */
export function printUsage(scriptUrl) {
  const lines = readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(1);
  const end = lines.findIndex((l) => !l.startsWith('//'));
  process.stdout.write((end === -1 ? lines : lines.slice(0, end)).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
}
