// Durations (`500ms`, `2s`, `5m`, `1h`, `1d`) and sizes (`16kb`) as the config writes them.

/** A duration after parsing: every duration in the typed config is in milliseconds. */
export type Milliseconds = number;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined when `text` is not a duration. `0` alone is accepted. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '0') return 0;
  const m = DURATION.exec(t);
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) && Number.isInteger(Math.round(ms * 1000) / 1000) ? Math.round(ms) : undefined;
}

const SIZE = /^(\d+)\s*(b|kb|kib|k|mb|mib|m)?$/i;
const SIZE_UNIT: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 * 1024, mb: 1024 * 1024, mib: 1024 * 1024 };

/** Bytes (kb = 1024, as nginx reads `16k`), or undefined when `text` is not a size. */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * SIZE_UNIT[(m[2] ?? 'b').toLowerCase()]!;
}

export const DURATION_EXPECTED = 'a duration like 500ms, 2s, 5m, 1h or 1d';
export const SIZE_EXPECTED = 'a size like 16384, 16kb or 1mb';
