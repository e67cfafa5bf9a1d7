// Medians over the runs, ratios to nginx with their validity, and the printed table.

/**
 * A ratio to nginx is valid only when both proxy cores were at least this busy (%) and, as a core
 * busy with other work is no proof that the proxy was saturated, neither had more foreign load than
 * --max-foreign.
 */
const BUSY_MIN = 95;

const SCENARIOS = ['keepalive', 'handshake_ec', 'handshake_rsa'];

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const min = (xs) => {
  const v = xs.filter((x) => typeof x === 'number');
  return v.length ? Math.min(...v) : null;
};
const max = (xs) => {
  const v = xs.filter((x) => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

/** results: one entry per target and run, as bench/run.mjs's measureTarget returns them. */
export function summarize(results, { maxForeign }) {
  const by = new Map();
  for (const r of results) {
    if (!by.has(r.target)) by.set(r.target, []);
    by.get(r.target).push(r);
  }
  const s = {};
  for (const [name, rs] of by) {
    const pick = (k, f) => median(rs.map((r) => r[k]?.[f]));
    const sumf = (f) => rs.reduce((a, r) => a + SCENARIOS.reduce((b, k) => b + (r[k]?.[f] ?? 0), 0), 0);
    s[name] = {
      runs: rs.length,
      rps: pick('keepalive', 'rps'),
      p50_ms: pick('keepalive', 'p50_ms'),
      p99_ms: pick('keepalive', 'p99_ms'),
      proxy_us_per_req: pick('keepalive', 'proxy_cpu_us_per_req'),
      client_us_per_req: pick('keepalive', 'cpu_us_per_req'),
      upstream_us_per_req: pick('keepalive', 'upstream_cpu_us_per_req'),
      // the lowest over the runs: a ratio is valid only if every run it comes from was saturated
      proxy_core_busy_pct_min: Object.fromEntries(SCENARIOS.map((k) => [k, min(rs.map((r) => r[k]?.proxy_core_busy_pct))])),
      proxy_core_foreign_pct_max: Object.fromEntries(SCENARIOS.map((k) => [k, max(rs.map((r) => r[k]?.proxy_core_foreign_pct))])),
      client_core_busy_pct: Object.fromEntries(SCENARIOS.map((k) => [k, median(rs.map((r) => r[k]?.client_core_busy_pct))])),
      hs_ec: pick('handshake_ec', 'rps'),
      hs_ec_p50_ms: pick('handshake_ec', 'p50_ms'),
      hs_ec_proxy_us: pick('handshake_ec', 'proxy_cpu_us_per_req'),
      hs_ec_client_us: pick('handshake_ec', 'cpu_us_per_req'),
      hs_rsa: pick('handshake_rsa', 'rps'),
      hs_rsa_p50_ms: pick('handshake_rsa', 'p50_ms'),
      hs_rsa_proxy_us: pick('handshake_rsa', 'proxy_cpu_us_per_req'),
      hs_rsa_client_us: pick('handshake_rsa', 'cpu_us_per_req'),
      peak_rss_mb: { worker: median(rs.map((r) => r.peak_rss_mb?.largest)), tree: median(rs.map((r) => r.peak_rss_mb?.tree)) },
      access_lines_per_request: median(rs.map((r) => r.access_log?.lines_per_request)),
      foreign_pct_max: Math.max(0, ...rs.flatMap((r) => SCENARIOS.flatMap((k) => r[k]?.foreign_pct ?? []))),
      errors: sumf('errors'),
      non2xx: sumf('non2xx'),
    };
  }
  const ng = s.nginx;
  const ratio = (v, field, scenario) => {
    if (!ng?.[field] || !v[field]) return null;
    const saturated = [v, ng].every((x) => x.proxy_core_busy_pct_min[scenario] >= BUSY_MIN && x.proxy_core_foreign_pct_max[scenario] <= maxForeign);
    return { value: Math.round((v[field] / ng[field]) * 100) / 100, valid: saturated };
  };
  for (const v of Object.values(s)) {
    v.vs_nginx = { rps: ratio(v, 'rps', 'keepalive'), hs_ec: ratio(v, 'hs_ec', 'handshake_ec'), hs_rsa: ratio(v, 'hs_rsa', 'handshake_rsa') };
  }
  return s;
}

function fmt(x, d) {
  return x == null ? '-' : Number(x).toFixed(d);
}
const fmtRatio = (r) => (r == null ? '-' : `${r.value.toFixed(2)}${r.valid ? '' : '!'}`);

export function table(s) {
  const cols = [
    ['target', (n) => n],
    ['req/s', (n, v) => fmt(v.rps, 0)],
    ['×nginx', (n, v) => fmtRatio(v.vs_nginx.rps)],
    ['µs/req (proxy)', (n, v) => fmt(v.proxy_us_per_req, 1)],
    ['proxy busy % ka/EC/RSA', (n, v) => SCENARIOS.map((k) => fmt(v.proxy_core_busy_pct_min[k], 0)).join('/')],
    ['p50 ms', (n, v) => fmt(v.p50_ms, 2)],
    ['p99 ms', (n, v) => fmt(v.p99_ms, 2)],
    ['hs EC/s', (n, v) => fmt(v.hs_ec, 0)],
    ['×nginx', (n, v) => fmtRatio(v.vs_nginx.hs_ec)],
    ['µs/hs', (n, v) => fmt(v.hs_ec_proxy_us, 0)],
    ['hs RSA/s', (n, v) => fmt(v.hs_rsa, 0)],
    ['×nginx', (n, v) => fmtRatio(v.vs_nginx.hs_rsa)],
    ['µs/hs', (n, v) => fmt(v.hs_rsa_proxy_us, 0)],
    ['peak RSS MB worker/tree', (n, v) => `${fmt(v.peak_rss_mb.worker, 0)}/${fmt(v.peak_rss_mb.tree, 0)}`],
    ['foreign %', (n, v) => String(v.foreign_pct_max)],
    ['err/non2xx', (n, v) => `${v.errors}/${v.non2xx}`],
  ];
  const rows = [cols.map((c) => c[0]), ...Object.entries(s).map(([n, v]) => cols.map((c) => c[1](n, v)))];
  const w = cols.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, ri) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ') + (ri === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : ''))
    .join('\n');
}

export function legend({ proxyCpu, clientCpu, maxForeign }) {
  return (
    `×nginx: ratio to the nginx row; "!" marks it INVALID: in at least one run of that scenario the proxy core (${proxyCpu}) of this\n` +
    `  target or of nginx was below ${BUSY_MIN} % busy, or more than ${maxForeign} % of it went to other processes; the proxies were then\n` +
    `  not both saturated and the ratio compares load, not capacity.\n` +
    `proxy busy %: lowest busy % of core ${proxyCpu} over the runs (any process), measured window only (after the warm-up),\n` +
    `  keep-alive/EC handshakes/RSA handshakes (the upstream row: core ${clientCpu}, where the upstream runs).\n` +
    `µs/req (proxy), µs/hs: CPU time (utime+stime) of the proxy's process tree per request or per full handshake (whole run incl.\n` +
    `  warm-up, over all responses); 1e6 / µs is the per-core capacity; less sensitive to a shared core than req/s.\n` +
    `peak RSS MB worker/tree: VmHWM of the largest single process (the serving worker) / summed over the process tree\n` +
    `  (certgate: supervisor + worker + booted spare; nginx: master + worker).\n` +
    `foreign %: highest load by other processes on core 0 or 1 in any kept measurement (throughput is unreliable above ~15)\n`
  );
}
