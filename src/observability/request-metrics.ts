// certgate_requests_total and certgate_request_duration_seconds, recorded on every request. prom-client's
// labelled inc/observe hash and validate the label object on each call (about 0.7 µs a request
// here); these two are counted in plain per-route slots instead and handed to the registry when it
// is read: the counter through prom-client's collect hook, the histogram as a registered metric
// whose get() returns what prom-client's Histogram returns, so the exposition (and the
// supervisor's cluster aggregation) is unchanged. test/observability/request-metrics.test.ts
// compares both outputs line by line.
import { Counter, type Registry } from 'prom-client';

const DURATION_NAME = 'certgate_request_duration_seconds';
const DURATION_HELP = 'Time from request to response end';
const DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Bounded by the config: one per route name, plus `-` for requests that matched none. */
interface RouteSlot {
  readonly route: string;
  /** answered since the last collect, by status (0 once collected) */
  readonly pending: Map<number, number>;
  /** per bucket (not cumulative), the last one is +Inf */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface ValueEntry {
  value: number;
  metricName?: string;
  exemplar?: null;
  labels: Record<string, string | number>;
}

export class RequestMetrics {
  private readonly slots = new Map<string, RouteSlot>();
  /** every (route, status) pair in the order first seen, as prom-client lists label sets */
  private readonly pairs: { readonly slot: RouteSlot; readonly status: number }[] = [];

  constructor(registry: Registry) {
    const pairs = this.pairs;
    // Registered with the registry, which is what reads it; no reference is kept.
    new Counter({
      name: 'certgate_requests_total',
      help: 'Requests answered, by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
      collect() {
        for (const { slot, status } of pairs) {
          const n = slot.pending.get(status)!;
          if (n > 0) this.inc({ route: slot.route, status }, n);
          slot.pending.set(status, 0);
        }
      },
    });
    registry.registerMetric({
      name: DURATION_NAME,
      help: DURATION_HELP,
      type: 'histogram',
      aggregator: 'sum',
      get: () => this.durationSnapshot(),
      reset: () => {
        this.slots.clear();
        this.pairs.length = 0;
      },
    } as never);
  }

  /** One answered request. */
  record(route: string, status: number, seconds: number): void {
    let slot = this.slots.get(route);
    if (slot === undefined) {
      slot = { route, pending: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0 };
      this.slots.set(route, slot);
    }
    const n = slot.pending.get(status);
    if (n === undefined) this.pairs.push({ slot, status });
    slot.pending.set(status, (n ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    slot.buckets[i]!++;
    slot.sum += seconds;
    slot.count++;
  }

  /** What prom-client's Histogram.get() returns for the same observations. */
  private durationSnapshot(): { name: string; help: string; type: string; values: ValueEntry[]; aggregator: string } {
    const values: ValueEntry[] = [];
    for (const slot of this.slots.values()) {
      if (slot.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cumulative += slot.buckets[i]!;
        values.push({ value: cumulative, metricName: `${DURATION_NAME}_bucket`, exemplar: null, labels: { le: DURATION_BUCKETS[i]!, route: slot.route } });
      }
      values.push({ value: slot.count, metricName: `${DURATION_NAME}_bucket`, exemplar: null, labels: { le: '+Inf', route: slot.route } });
      values.push({ value: slot.sum, metricName: `${DURATION_NAME}_sum`, labels: { route: slot.route } });
      values.push({ value: slot.count, metricName: `${DURATION_NAME}_count`, labels: { route: slot.route } });
    }
    return { name: DURATION_NAME, help: DURATION_HELP, type: 'histogram', values, aggregator: 'sum' };
  }
}
