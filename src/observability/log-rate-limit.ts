// Log-flood guard: an attacker who opens thousands of failing connections must not be able to
// write thousands of log lines (disk, log pipeline cost). Events are still counted in full by
// their metrics; only the log lines are thinned to one per key per interval, and the next line
// written for a key carries how many were dropped before it.
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

/** At most this many keys are tracked; keys are reason codes, so this is never reached in practice. */
const MAX_KEYS = 1024;

interface KeyWindow {
  openedAt: number;
  suppressed: number;
}

/** Pure: one line per key per `intervalMs`, on an injected clock (milliseconds). */
export class LogRateLimiter {
  readonly #windows = new Map<string, KeyWindow>();

  constructor(
    readonly intervalMs = 1000,
    readonly now: () => number = Date.now,
  ) {}

  /**
   * undefined: drop this line. A number: write it; it is how many lines of this key were
   * dropped since the last one written.
   */
  admit(key: string): number | undefined {
    const t = this.now();
    const w = this.#windows.get(key);
    if (w === undefined) {
      if (this.#windows.size >= MAX_KEYS) this.#windows.clear();
      this.#windows.set(key, { openedAt: t, suppressed: 0 });
      return 0;
    }
    if (t - w.openedAt < this.intervalMs) {
      w.suppressed++;
      return undefined;
    }
    const suppressed = w.suppressed;
    w.openedAt = t;
    w.suppressed = 0;
    return suppressed;
  }
}

export interface RateLimitedLog {
  /** A warn line keyed by event and reason; `suppressed: N` is added when lines were dropped. */
  warn(event: string, reason: string, fields: Record<string, unknown>, message: string): void;
}

export function createRateLimitedLog(logger: Logger, metrics: GatewayMetrics, limiter = new LogRateLimiter()): RateLimitedLog {
  return {
    warn(event, reason, fields, message) {
      const suppressed = limiter.admit(`${event}\u0000${reason}`);
      if (suppressed === undefined) {
        metrics.logSuppressed.inc({ event });
        return;
      }
      logger.warn(suppressed > 0 ? { event, reason, ...fields, suppressed } : { event, reason, ...fields }, message);
    },
  };
}
