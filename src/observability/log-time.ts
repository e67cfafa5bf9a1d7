// The `time` field of every log line, in pino's isoTime format (`,"time":"2026-01-31T12:00:00.000Z"`).
// Formatted once per millisecond: under load many lines share one, and toISOString is not free.
let lastMs = -1;
let lastFragment = '';

export function isoTimeFragment(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastFragment = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastFragment;
}
