// The state shared by every config reader during one load: where issues are collected, how YAML
// offsets become line/column, where relative paths are anchored and which environment is used.
import { isAbsolute, resolve } from 'node:path';
import type { LineCounter, Node } from 'yaml';
import type { ConfigFileRead, ConfigIssue } from './types.js';

export interface LoadContext {
  /** The config file as the user named it; used in every issue. */
  readonly file: string;
  /** Directory relative paths in the config are resolved against. */
  readonly baseDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly lineCounter: LineCounter;
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
  /** Every file read for this config, in order (for the reload watch and the config hash). */
  readonly filesRead?: ConfigFileRead[];
}

/** A YAML value as found in the document; absent keys are `undefined`. */
export type YamlValue = Node | null | undefined;

function issueAt(ctx: LoadContext, node: YamlValue, key: string, message: string): ConfigIssue {
  const offset = node?.range?.[0];
  if (offset === undefined) return { file: ctx.file, key, message };
  const { line, col } = ctx.lineCounter.linePos(offset);
  return { file: ctx.file, line, column: col, key, message };
}

export function reportError(ctx: LoadContext, node: YamlValue, key: string, message: string): void {
  ctx.errors.push(issueAt(ctx, node, key, message));
}

export function reportWarning(ctx: LoadContext, node: YamlValue, key: string, message: string): void {
  ctx.warnings.push(issueAt(ctx, node, key, message));
}

export function resolveConfigPath(ctx: LoadContext, p: string): string {
  return isAbsolute(p) ? p : resolve(ctx.baseDir, p);
}

export function childKey(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function indexKey(path: string, index: number): string {
  return `${path}[${index}]`;
}
