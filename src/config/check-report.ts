// The text `certgate check` prints: one line per issue (file:line:column: key: message), errors
// first, then a one-line verdict.
import { formatConfigIssue } from '../errors.js';
import type { ConfigIssue, GatewayConfig } from './types.js';

export interface CheckReportInput {
  readonly config?: GatewayConfig;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

export function formatCheckReport(result: CheckReportInput): string {
  const lines: string[] = [];
  const byPosition = (a: ConfigIssue, b: ConfigIssue): number => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0);
  for (const e of [...result.errors].sort(byPosition)) lines.push(`error: ${formatConfigIssue(e)}`);
  for (const w of [...result.warnings].sort(byPosition)) lines.push(`warning: ${formatConfigIssue(w)}`);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (result.errors.length > 0) {
    lines.push(`config invalid: ${plural(result.errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}`);
  } else {
    const c = result.config;
    const summary = c ? ` (${plural(c.listeners.length, 'listener')}, ${plural(c.upstreams.size, 'upstream')}, ${plural(c.routes.length, 'route')})` : '';
    lines.push(`config OK${summary}${result.warnings.length > 0 ? `, ${plural(result.warnings.length, 'warning')}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}
