#!/usr/bin/env node
// certgate command line: start | reload | check | pki | demo | keys. Exit codes: 0 ok, 1 config or usage
// error, 2 runtime failure.
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName } from './commands.js';
import { usage } from './usage.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-v') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`certgate: unknown command '${command}'\n\n${usage()}`);
    return 1;
  }
  const spec = COMMANDS[command as CommandName];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true });
  } catch (err) {
    process.stderr.write(`certgate ${command}: ${(err as Error).message}\n\n${spec.help}`);
    return 1;
  }
  if (parsed.values.help) {
    process.stdout.write(spec.help);
    return 0;
  }
  return spec.run(parsed.values as Record<string, string | boolean | undefined>);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`certgate: ${(err as Error | null | undefined)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
