// `certgate/verify` ships to upstreams on its own: its import graph may reach node built-ins and
// structured-headers, never the gateway runtime (pino, undici, prom-client, yaml, the config loader).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_PACKAGES = new Set(['structured-headers']);

t.test('src/verify/index.ts reaches only pure modules', async (t) => {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // `import type` is erased at compile time and costs the upstream nothing.
    for (const m of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit(resolve(root, 'src/verify/index.ts'));
  t.same(
    [...packages].filter((p) => !ALLOWED_PACKAGES.has(p)),
    [],
    'no gateway runtime packages',
  );
  const local = [...seen].map((f) => f.slice(root.length + 1));
  t.notOk(
    local.some((f) => /^src\/(config\/load|observability|forward|pipeline|cli|admin)/.test(f)),
    `pure modules only: ${local.join(', ')}`,
  );
});
