// PKITS yardstick for certgate's CRL logic (run after `npm run build`; not part of `npm test`):
//   npm run conformance [-- path/to/pkits.json] [--verbose]   (= node scripts/conformance.mjs ...)
// For each case in sections 4.4 (basic CRL), 4.14 (distribution points) and 4.15 (delta CRLs),
// builds the chain from the case's certificates, evaluates every non-anchor certificate against
// the case's CRLs at the case's validation time (check: chain, CRL only, failMode closed), and
// compares "all good" with the expected SUCCESS/FAILURE. Path validation itself (signatures,
// names, policies) is the TLS layer's job and is not re-done here.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? new URL('../../shared/x509-suites/pkits.json', import.meta.url).pathname;
if (!existsSync(file)) {
  console.log(`no PKITS file at ${file}; skipping`);
  process.exit(0);
}
if (!existsSync(new URL('../dist/revocation/crl-evaluate.js', import.meta.url))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { certInfo } = await import('../dist/x509/certificate-info.js');
const { evaluateCrls, recordOf } = await import('../dist/revocation/crl-evaluate.js');
const { parseCrl } = await import('../dist/x509/crl-parser.js');
const sections = ['4.4', '4.14', '4.15'];
const cases = JSON.parse(readFileSync(file, 'utf8')).testcases.filter((c) => sections.some((s) => c.id.startsWith(`pkits::${s}.`)));
const pemToDer = (pem) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

function buildChain(leaf, pool, anchors) {
  const chain = [leaf];
  for (let cur = leaf; chain.length < 10;) {
    const anchor = anchors.find((a) => cur.checkIssued(a) && cur.verify(a.publicKey));
    if (anchor) return [...chain, anchor];
    const next = pool.find((c) => c !== cur && !chain.includes(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
    if (!next) return undefined;
    chain.push(next);
    cur = next;
  }
  return undefined;
}

const bySection = new Map();
const failures = [];
for (const c of cases) {
  const section = c.id.split('::')[1].split('.').slice(0, 2).join('.');
  const s = bySection.get(section) ?? { pass: 0, total: 0 };
  bySection.set(section, s);
  s.total++;
  let verdict;
  let why = '';
  try {
    const leaf = new X509Certificate(c.peer_certificate);
    const anchors = c.trusted_certs.map((p) => new X509Certificate(p));
    const pool = c.untrusted_intermediates.map((p) => new X509Certificate(p));
    const chain = buildChain(leaf, pool, anchors);
    const records = [];
    for (const [i, pem] of (c.crls ?? []).entries()) {
      try {
        records.push(recordOf(parseCrl(pemToDer(pem)), c.x_pkits_files?.crls?.[i] ?? `crl${i}`));
      } catch (e) {
        why += `unparsable CRL ${i}: ${e.message}; `;
      }
    }
    if (!chain) {
      verdict = 'FAILURE';
      why += 'no chain';
    } else {
      const now = Date.parse(c.validation_time);
      verdict = 'SUCCESS';
      for (let i = 0; i < chain.length - 1; i++) {
        const out = evaluateCrls(records, certInfo(chain[i]), certInfo(chain[i + 1]), { now, clockSkew: 0 });
        if (!(out.kind === 'answer' && out.status === 'good')) {
          verdict = 'FAILURE';
          why += `${chain[i].subject.replace(/\n/g, ',')}: ${out.kind}${out.status ? ` ${out.status}` : ''} ${out.detail ?? ''}`;
          break;
        }
      }
    }
  } catch (e) {
    verdict = 'FAILURE';
    why = `error: ${e.message}`;
  }
  if (verdict === c.expected_result) s.pass++;
  else failures.push(`${c.id}: expected ${c.expected_result}, got ${verdict} (${why.slice(0, 200)})`);
}
for (const [section, s] of [...bySection].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) console.log(`PKITS ${section}: ${s.pass}/${s.total}`);
const all = [...bySection.values()].reduce((a, s) => ({ pass: a.pass + s.pass, total: a.total + s.total }), { pass: 0, total: 0 });
console.log(`total: ${all.pass}/${all.total}`);
if (process.argv.includes('--verbose') || failures.length <= 40) for (const f of failures) console.log(`  FAIL ${f}`);
