// One YAML mapping of the config with a fixed set of allowed keys. Opening it reports every key
// that is not allowed: a typo such as `verifyDeph` must not silently fall back to a default and
// weaken a security check.
import { isMap, isScalar, type Node } from 'yaml';
import { childKey, reportError, type LoadContext, type YamlValue } from './load-context.js';
import {
  readBoolean,
  readDuration,
  readEnum,
  readInteger,
  readList,
  readSize,
  readString,
  readStringList,
  type IntegerRange,
  type ListItem,
  type ReadOptions,
  type StringItem,
} from './yaml-values.js';

interface Entry {
  readonly keyNode: Node;
  readonly value: YamlValue;
}

export class ConfigSection {
  private constructor(
    readonly ctx: LoadContext,
    readonly node: Node,
    readonly path: string,
    private readonly entries: ReadonlyMap<string, Entry>,
  ) {}

  /** Open `node` as a mapping with `allowed` keys; reports a non-mapping or unknown keys. */
  static open(ctx: LoadContext, node: YamlValue, path: string, allowed: readonly string[] | null): ConfigSection | undefined {
    if (!isMap(node)) {
      const got = node === undefined || node === null || (isScalar(node) && node.value === null) ? 'an empty value' : isScalar(node) ? `'${String(node.value)}'` : 'a list';
      const what = allowed ? `a mapping with keys ${allowed.join(', ')}` : 'a mapping of names';
      reportError(ctx, node, path || '(top level)', `expected ${what}, got ${got}`);
      return undefined;
    }
    const entries = new Map<string, Entry>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
      if (key === undefined) {
        reportError(ctx, keyNode, path || '(top level)', 'expected a plain key');
        continue;
      }
      if (allowed && !allowed.includes(key)) {
        const hint = closest(key, allowed);
        reportError(ctx, keyNode, childKey(path, key), `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; expected one of ${allowed.join(', ')}`);
        continue;
      }
      entries.set(key, { keyNode, value: pair.value as YamlValue });
    }
    return new ConfigSection(ctx, node, path, entries);
  }

  /** A mapping whose keys are names chosen by the user (e.g. `upstreams`). */
  static openNamed(ctx: LoadContext, node: YamlValue, path: string): ConfigSection | undefined {
    return ConfigSection.open(ctx, node, path, null);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** An issue about the mapping as a whole. */
  errorHere(message: string): void {
    reportError(this.ctx, this.node, this.path, message);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  value(key: string): YamlValue {
    return this.entries.get(key)?.value;
  }

  keyPath(key: string): string {
    return childKey(this.path, key);
  }

  /** Best position for an issue about `key`: its value, else its key, else the mapping. */
  at(key: string): YamlValue {
    const e = this.entries.get(key);
    return e?.value ?? e?.keyNode ?? this.node;
  }

  error(key: string, message: string): void {
    reportError(this.ctx, this.at(key), this.keyPath(key), message);
  }

  /** True when present; otherwise reports the key as missing when `required`. */
  private present(key: string, required: boolean | undefined): boolean {
    if (this.entries.has(key)) return true;
    if (required) reportError(this.ctx, this.node, this.keyPath(key), `missing required key '${key}'`);
    return false;
  }

  string(key: string, opts: ReadOptions & { required?: boolean } = {}): string | undefined {
    return this.present(key, opts.required) ? readString(this.ctx, this.value(key), this.keyPath(key), opts) : undefined;
  }

  enum<T extends string>(key: string, values: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    return this.present(key, opts.required) ? readEnum(this.ctx, this.value(key), this.keyPath(key), values) : undefined;
  }

  boolean(key: string): boolean | undefined {
    return this.present(key, false) ? readBoolean(this.ctx, this.value(key), this.keyPath(key)) : undefined;
  }

  integer(key: string, range: IntegerRange = {}, opts: { required?: boolean } = {}): number | undefined {
    return this.present(key, opts.required) ? readInteger(this.ctx, this.value(key), this.keyPath(key), range) : undefined;
  }

  duration(key: string, opts: { min?: number; required?: boolean } = {}): number | undefined {
    return this.present(key, opts.required) ? readDuration(this.ctx, this.value(key), this.keyPath(key), opts) : undefined;
  }

  size(key: string): number | undefined {
    return this.present(key, false) ? readSize(this.ctx, this.value(key), this.keyPath(key)) : undefined;
  }

  list(key: string, opts: { required?: boolean } = {}): ListItem[] | undefined {
    return this.present(key, opts.required) ? readList(this.ctx, this.value(key), this.keyPath(key)) : undefined;
  }

  stringList(key: string, opts: ReadOptions & { required?: boolean } = {}): StringItem[] | undefined {
    return this.present(key, opts.required) ? readStringList(this.ctx, this.value(key), this.keyPath(key), opts) : undefined;
  }

  section(key: string, allowed: readonly string[], opts: { required?: boolean } = {}): ConfigSection | undefined {
    return this.present(key, opts.required) ? ConfigSection.open(this.ctx, this.value(key), this.keyPath(key), allowed) : undefined;
  }
}

/** The allowed key within edit distance 2 of `key`, for a "did you mean" hint. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
