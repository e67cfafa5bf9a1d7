// The request counter and duration histogram are recorded in plain slots and handed to the
// registry when it is read. What a scraper (and the supervisor's cluster aggregation) reads must be
// exactly what prom-client's own Counter and Histogram write for the same requests.
import t from 'tap';
import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { RequestMetrics } from '../../src/observability/request-metrics.js';

type Answer = readonly [route: string, status: number, seconds: number];

/** The reference: prom-client's own metrics, with the names, labels and buckets certgate documents. */
function referenceRegistry(answers: readonly Answer[]): Registry {
  const registry = new Registry();
  const requests = new Counter({ name: 'certgate_requests_total', help: 'Requests answered, by route and status', labelNames: ['route', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'certgate_request_duration_seconds',
    help: 'Time from request to response end',
    labelNames: ['route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  for (const [route, status, seconds] of answers) {
    requests.inc({ route, status });
    duration.observe({ route }, seconds);
  }
  return registry;
}

function recorded(answers: readonly Answer[]): Registry {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry);
  for (const [route, status, seconds] of answers) metrics.record(route, status, seconds);
  return registry;
}

const answer = fc.tuple(
  fc.constantFrom('all', 'token', 'api', '-'),
  fc.constantFrom(200, 204, 400, 401, 403, 404, 502, 503, 504),
  fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(0, 0.001, 0.0025, 0.005, 0.01, 1, 10, 10.000001)),
);

t.test('the exposition text equals prom-client Counter + Histogram for the same requests', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(answer, { maxLength: 60 }), async (answers) => {
      const expected = await referenceRegistry(answers).metrics();
      const actual = await recorded(answers).metrics();
      return actual === expected;
    }),
    { numRuns: 300 },
  );
  t.pass('300 random request sequences expose identically');
});

t.test('a bucket bound is inclusive (le), as Prometheus defines it', async (t) => {
  const text = await recorded([['all', 200, 0.001]]).metrics();
  t.match(text, /certgate_request_duration_seconds_bucket\{le="0\.001",route="all"\} 1\n/);
  t.match(text, /certgate_requests_total\{route="all",status="200"\} 1\n/);
});

t.test('counts survive several scrapes and keep growing', async (t) => {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry);
  metrics.record('all', 200, 0.002);
  t.match(await registry.metrics(), /certgate_requests_total\{route="all",status="200"\} 1\n/);
  metrics.record('all', 200, 0.002);
  metrics.record('all', 502, 0.3);
  const text = await registry.metrics();
  t.match(text, /certgate_requests_total\{route="all",status="200"\} 2\n/);
  t.match(text, /certgate_requests_total\{route="all",status="502"\} 1\n/);
  t.match(text, /certgate_request_duration_seconds_count\{route="all"\} 3\n/);
});

t.test('two workers aggregate as prom-client workers would (the supervisor sums them)', async (t) => {
  const a: Answer[] = [
    ['all', 200, 0.004],
    ['all', 200, 0.2],
    ['token', 401, 0.0001],
  ];
  const b: Answer[] = [
    ['all', 200, 0.03],
    ['api', 502, 5],
  ];
  const expected = await AggregatorRegistry.aggregate([await referenceRegistry(a).getMetricsAsJSON(), await referenceRegistry(b).getMetricsAsJSON()] as never).metrics();
  const actual = await AggregatorRegistry.aggregate([await recorded(a).getMetricsAsJSON(), await recorded(b).getMetricsAsJSON()] as never).metrics();
  t.equal(actual, expected);
  t.match(actual, /certgate_requests_total\{route="all",status="200"\} 3\n/);
});

t.test('resetMetrics empties both', async (t) => {
  const registry = new Registry();
  const metrics = new RequestMetrics(registry);
  metrics.record('all', 200, 0.002);
  registry.resetMetrics();
  const text = await registry.metrics();
  t.notMatch(text, /route="all"/);
});
