// `listeners[].revocation`. Absent means `check: off`; a present block defaults to `check: leaf`,
// since writing the block and getting no checking at all would be a silent downgrade.
import { distinguishedNameProblem } from '../x509/distinguished-name.js';
import { isThumbprint } from '../wire/thumbprint.js';
import { ConfigSection } from './config-section.js';
import { loadCrlFile } from './crl-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import { readEnum, readList } from './yaml-values.js';
import { compileOverrideSubject } from '../revocation/override-table.js';
import type { CrlFile, OcspConfig, RevocationCheck, RevocationConfig, RevocationOverride, RevocationSourceName } from './types.js';

const CHECKS = ['off', 'leaf', 'chain'] as const;
const SOURCES = ['ocsp', 'crl'] as const;

const DEFAULT_OCSP: OcspConfig = {
  enabled: true,
  timeout: 2_000,
  nonce: true,
  maxAge: 3_600_000,
  errorTtl: 30_000,
  clockSkew: 300_000,
};

export const DEFAULT_REVOCATION: RevocationConfig = {
  check: 'off',
  sources: ['ocsp', 'crl'],
  failMode: 'closed',
  staleGrace: 0,
  intermediateWithoutSource: 'skip',
  ocsp: DEFAULT_OCSP,
  crl: { files: [], distributionPoints: false, refresh: 300_000, fetchTimeout: 5_000 },
  overrides: [],
};

export function readRevocation(ctx: LoadContext, node: YamlValue, path: string): RevocationConfig | undefined {
  const s = ConfigSection.open(ctx, node, path, ['check', 'sources', 'failMode', 'staleGrace', 'intermediateWithoutSource', 'ocsp', 'crl', 'overrides']);
  if (!s) return undefined;
  const d = DEFAULT_REVOCATION;
  const check = s.enum('check', CHECKS) ?? 'leaf';
  const sources = s.has('sources') ? readSources(ctx, s.value('sources'), s.keyPath('sources')) : d.sources;
  const failMode = s.enum('failMode', ['closed', 'open'] as const) ?? d.failMode;
  const staleGrace = s.duration('staleGrace', { min: 0 }) ?? d.staleGrace;
  const intermediateWithoutSource = s.enum('intermediateWithoutSource', ['skip', 'unknown'] as const) ?? d.intermediateWithoutSource;
  const ocsp = readOcsp(s);
  const crl = readCrl(s);
  const overrides = readOverrides(s);
  if (!sources || !ocsp || !crl || !overrides) return undefined;

  if (check !== 'off') {
    const usable = sources.filter((src) => (src === 'ocsp' ? ocsp.enabled : crl.files.length > 0 || crl.distributionPoints));
    if (usable.length === 0) {
      s.error(
        'sources',
        `check '${check}' has no usable source: enable ocsp, or give crl.files or crl.distributionPoints: true` +
          (failMode === 'closed' ? ' (with failMode closed every client would be rejected)' : ''),
      );
    }
  }
  return { check, sources, failMode, staleGrace, intermediateWithoutSource, ocsp, crl, overrides };
}

function readSources(ctx: LoadContext, node: YamlValue, path: string): RevocationSourceName[] | undefined {
  const items = readList(ctx, node, path);
  if (!items) return undefined;
  const out: RevocationSourceName[] = [];
  let ok = true;
  for (const item of items) {
    const v = readEnum(ctx, item.node, item.path, SOURCES);
    if (v === undefined) ok = false;
    else if (out.includes(v)) {
      reportError(ctx, item.node, item.path, `source '${v}' is listed twice`);
      ok = false;
    } else out.push(v);
  }
  if (ok && out.length === 0) {
    reportError(ctx, node, path, 'expected at least one of ocsp | crl');
    return undefined;
  }
  return ok ? out : undefined;
}

function readOcsp(parent: ConfigSection): OcspConfig | undefined {
  if (!parent.has('ocsp')) return DEFAULT_OCSP;
  const s = parent.section('ocsp', ['enabled', 'responder', 'timeout', 'nonce', 'maxAge', 'errorTtl', 'clockSkew']);
  if (!s) return undefined;
  const d = DEFAULT_OCSP;
  const responder = s.string('responder');
  if (responder !== undefined && !isHttpUrl(responder)) s.error('responder', `expected an http:// or https:// URL, got '${responder}'`);
  const out: OcspConfig = {
    enabled: s.boolean('enabled') ?? d.enabled,
    ...(responder !== undefined ? { responder } : {}),
    timeout: s.duration('timeout') ?? d.timeout,
    nonce: s.boolean('nonce') ?? d.nonce,
    maxAge: s.duration('maxAge') ?? d.maxAge,
    errorTtl: s.duration('errorTtl', { min: 0 }) ?? d.errorTtl,
    clockSkew: s.duration('clockSkew', { min: 0 }) ?? d.clockSkew,
  };
  return out;
}

function readCrl(parent: ConfigSection): RevocationConfig['crl'] | undefined {
  const d = DEFAULT_REVOCATION.crl;
  if (!parent.has('crl')) return d;
  const s = parent.section('crl', ['files', 'distributionPoints', 'refresh', 'fetchTimeout']);
  if (!s) return undefined;
  const items = s.has('files') ? s.stringList('files') : [];
  let ok = items !== undefined;
  const files: CrlFile[] = [];
  for (const item of items ?? []) {
    const f = loadCrlFile(s.ctx, item.node, item.path, item.value);
    if (f) files.push(f);
    else ok = false;
  }
  const out = {
    files,
    distributionPoints: s.boolean('distributionPoints') ?? d.distributionPoints,
    refresh: s.duration('refresh', { min: 1000 }) ?? d.refresh,
    fetchTimeout: s.duration('fetchTimeout') ?? d.fetchTimeout,
  };
  return ok ? out : undefined;
}

function readOverrides(parent: ConfigSection): RevocationOverride[] | undefined {
  if (!parent.has('overrides')) return [];
  const items = parent.list('overrides');
  if (!items) return undefined;
  const ctx = parent.ctx;
  const out: RevocationOverride[] = [];
  let ok = true;
  for (const item of items) {
    const s = ConfigSection.open(ctx, item.node, item.path, ['issuer', 'sources', 'check']);
    const issuer = s?.section('issuer', ['thumbprint', 'subjectDN'], { required: true });
    if (!s || !issuer) {
      ok = false;
      continue;
    }
    const thumbprint = issuer.string('thumbprint');
    const subjectDN = issuer.string('subjectDN');
    if (thumbprint === undefined && subjectDN === undefined && !issuer.has('thumbprint') && !issuer.has('subjectDN')) {
      reportError(ctx, issuer.node, issuer.path, 'expected thumbprint or subjectDN of the issuing CA');
      ok = false;
    }
    if (thumbprint !== undefined && !isThumbprint(thumbprint)) {
      issuer.error('thumbprint', `expected an x5t#S256 thumbprint (43 base64url characters), got '${thumbprint}'`);
      ok = false;
    }
    const dnProblem = subjectDN !== undefined ? (distinguishedNameProblem(subjectDN) ?? overrideSubjectProblem(subjectDN)) : undefined;
    if (dnProblem) {
      issuer.error('subjectDN', `expected an RFC 4514 distinguished name: ${dnProblem}`);
      ok = false;
    }
    const sources = s.has('sources') ? readSources(ctx, s.value('sources'), s.keyPath('sources')) : undefined;
    const check: RevocationCheck | undefined = s.enum('check', CHECKS);
    if (s.has('sources') && !sources) ok = false;
    out.push({
      issuer: { ...(thumbprint !== undefined ? { thumbprint } : {}), ...(subjectDN !== undefined ? { subjectDN } : {}) },
      ...(sources ? { sources } : {}),
      ...(check ? { check } : {}),
    });
  }
  return ok ? out : undefined;
}

/** What the checker's own override compiler says of a subjectDN. */
function overrideSubjectProblem(subjectDN: string): string | undefined {
  try {
    compileOverrideSubject(subjectDN);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
