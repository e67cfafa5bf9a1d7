// Typed readers for single YAML values. Each reads one node, reports what was expected when the
// value does not fit, and returns undefined in that case so the caller can keep collecting issues.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import { interpolateEnv } from './env-interpolation.js';
import { indexKey, reportError, type LoadContext, type YamlValue } from './load-context.js';
import { DURATION_EXPECTED, parseDuration, parseSize, SIZE_EXPECTED } from './units.js';

export interface ReadOptions {
  /** Never echo the value in a message (passwords, secrets). */
  readonly secret?: boolean;
}

type Plain =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'structure'; readonly description: string };

/** Quote a user value for a message, shortened; secrets are never shown. */
function quote(text: string, opts: ReadOptions = {}): string {
  if (opts.secret) return 'a (hidden) value';
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `'${short}'`;
}

function describe(p: Plain, opts: ReadOptions): string {
  switch (p.kind) {
    case 'string':
      return quote(p.text, opts);
    case 'number':
      return opts.secret ? 'a number' : `${p.value}`;
    case 'boolean':
      return opts.secret ? 'a boolean' : `${p.value}`;
    case 'null':
      return 'an empty value';
    case 'structure':
      return p.description;
  }
}

/** The node as a plain value, `${NAME}` expanded in strings; undefined when expansion failed. */
function plain(ctx: LoadContext, node: YamlValue, path: string): Plain | undefined {
  if (node === undefined || node === null) return { kind: 'null' };
  if (isAlias(node)) return { kind: 'structure', description: 'a YAML alias (aliases are not supported in certgate configs)' };
  if (isMap(node)) return { kind: 'structure', description: 'a mapping' };
  if (isSeq(node)) return { kind: 'structure', description: 'a list' };
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return { kind: 'null' };
    if (typeof v === 'number') return { kind: 'number', value: v };
    if (typeof v === 'boolean') return { kind: 'boolean', value: v };
    if (typeof v === 'string') {
      const r = interpolateEnv(v, ctx.env);
      if (!r.ok) {
        reportError(ctx, node, path, r.message);
        return undefined;
      }
      return { kind: 'string', text: r.value };
    }
  }
  return { kind: 'structure', description: 'an unsupported YAML value' };
}

function expected(ctx: LoadContext, node: YamlValue, path: string, what: string, got: Plain, opts: ReadOptions = {}): void {
  reportError(ctx, node, path, `expected ${what}, got ${describe(got, opts)}`);
}

export function readString(ctx: LoadContext, node: YamlValue, path: string, opts: ReadOptions = {}): string | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  if (p.kind !== 'string') {
    expected(ctx, node, path, 'a string', p, opts);
    return undefined;
  }
  if (p.text.trim() === '') {
    expected(ctx, node, path, 'a non-empty string', p, { secret: false });
    return undefined;
  }
  return p.text;
}

export function readEnum<T extends string>(ctx: LoadContext, node: YamlValue, path: string, values: readonly T[]): T | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  const text = p.kind === 'string' ? p.text : p.kind === 'number' || p.kind === 'boolean' ? String(p.value) : undefined;
  if (text !== undefined && (values as readonly string[]).includes(text)) return text as T;
  expected(ctx, node, path, `one of ${values.join(' | ')}`, p);
  return undefined;
}

export function readBoolean(ctx: LoadContext, node: YamlValue, path: string): boolean | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  if (p.kind === 'boolean') return p.value;
  if (p.kind === 'string' && (p.text === 'true' || p.text === 'false')) return p.text === 'true';
  expected(ctx, node, path, 'true or false', p);
  return undefined;
}

export interface IntegerRange {
  readonly min?: number;
  readonly max?: number;
}

function rangeText(r: IntegerRange): string {
  if (r.min !== undefined && r.max !== undefined) return ` from ${r.min} to ${r.max}`;
  if (r.min !== undefined) return ` >= ${r.min}`;
  if (r.max !== undefined) return ` <= ${r.max}`;
  return '';
}

export function readInteger(ctx: LoadContext, node: YamlValue, path: string, range: IntegerRange = {}): number | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  const n = p.kind === 'number' ? p.value : p.kind === 'string' && /^-?\d+$/.test(p.text.trim()) ? Number(p.text) : NaN;
  if (!Number.isSafeInteger(n) || (range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
    expected(ctx, node, path, `an integer${rangeText(range)}`, p);
    return undefined;
  }
  return n;
}

export function readDuration(ctx: LoadContext, node: YamlValue, path: string, opts: { readonly min?: number } = {}): number | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  const ms = p.kind === 'string' ? parseDuration(p.text) : p.kind === 'number' && p.value === 0 ? 0 : undefined;
  if (ms === undefined) {
    expected(ctx, node, path, DURATION_EXPECTED, p);
    return undefined;
  }
  const min = opts.min ?? 1;
  if (ms < min) {
    expected(ctx, node, path, min === 1 ? `${DURATION_EXPECTED}, greater than zero` : `a duration of at least ${min}ms`, p);
    return undefined;
  }
  return ms;
}

export function readSize(ctx: LoadContext, node: YamlValue, path: string, opts: { readonly min?: number } = {}): number | undefined {
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  const bytes = p.kind === 'number' && Number.isSafeInteger(p.value) ? p.value : p.kind === 'string' ? parseSize(p.text) : undefined;
  if (bytes === undefined || bytes < (opts.min ?? 1)) {
    expected(ctx, node, path, SIZE_EXPECTED, p);
    return undefined;
  }
  return bytes;
}

export interface ListItem {
  readonly node: YamlValue;
  readonly path: string;
}

/** The items of a YAML sequence; a lone scalar is an error (write `[a]` for one item). */
export function readList(ctx: LoadContext, node: YamlValue, path: string): ListItem[] | undefined {
  if (isSeq(node)) return node.items.map((item, i) => ({ node: item as YamlValue, path: indexKey(path, i) }));
  const p = plain(ctx, node, path);
  if (!p) return undefined;
  expected(ctx, node, path, 'a list', p);
  return undefined;
}

export interface StringItem extends ListItem {
  readonly value: string;
}

export function readStringList(ctx: LoadContext, node: YamlValue, path: string, opts: ReadOptions = {}): StringItem[] | undefined {
  const items = readList(ctx, node, path);
  if (!items) return undefined;
  const out: StringItem[] = [];
  let ok = true;
  for (const item of items) {
    const value = readString(ctx, item.node, item.path, opts);
    if (value === undefined) ok = false;
    else out.push({ ...item, value });
  }
  return ok ? out : undefined;
}

/**
 * Reports list items whose `name` repeats an earlier one. Done on the raw items so that a
 * duplicate is found even when the first item has other errors.
 */
export function reportDuplicateNames(ctx: LoadContext, items: readonly ListItem[], what: string): void {
  const first = new Map<string, string>();
  for (const item of items) {
    if (!isMap(item.node)) continue;
    const nameNode = item.node.get('name', true);
    if (!isScalar(nameNode) || typeof nameNode.value !== 'string') continue;
    const name = nameNode.value;
    const prior = first.get(name);
    if (prior !== undefined) reportError(ctx, nameNode, `${item.path}.name`, `${what} name '${name}' is already used by ${prior}`);
    else first.set(name, item.path);
  }
}
