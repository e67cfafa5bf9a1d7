// `routes[].allow`: which client certificates may use a route. Each entry is checked for syntax so
// that a typo cannot turn into a rule that never matches (and silently denies) or, worse, is
// dropped.
import { isIP } from 'node:net';
import { isSeq } from 'yaml';
import { distinguishedNameProblem } from '../x509/distinguished-name.js';
import { isThumbprint } from '../wire/thumbprint.js';
import type { ConfigSection } from './config-section.js';
import { reportError } from './load-context.js';
import type { AllowRules } from './types.js';
import { compileAllowEntry } from '../policy/route-policy.js';

type RuleKey = keyof AllowRules;
const RULE_KEYS = ['subjectDN', 'sanDNS', 'sanURI', 'sanEmail', 'sanIP', 'thumbprints'] as const satisfies readonly RuleKey[];

const DNS_NAME = /^(\*\.)?(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const CHECKS: Record<RuleKey, (v: string) => string | undefined> = {
  subjectDN: (v) => {
    const p = distinguishedNameProblem(v);
    return p ? `expected an RFC 4514 distinguished name such as 'CN=client,O=Example,C=JP': ${p}` : undefined;
  },
  sanDNS: (v) => (DNS_NAME.test(v) ? undefined : `expected a DNS name (optionally '*.' wildcard), got '${v}'`),
  sanURI: (v) => (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(v) ? undefined : `expected an absolute URI such as spiffe://example.org/client, got '${v}'`),
  sanEmail: (v) => (/^[^\s@]+@[^\s@]+$/.test(v) ? undefined : `expected an email address, got '${v}'`),
  sanIP: (v) => (isIP(v) !== 0 ? undefined : `expected an IPv4 or IPv6 address, got '${v}'`),
  thumbprints: (v) => (isThumbprint(v) ? undefined : `expected an x5t#S256 thumbprint (43 base64url characters, SHA-256 of the DER), got '${v}'`),
};

export function readAllowRules(parent: ConfigSection): AllowRules | undefined {
  const s = parent.section('allow', RULE_KEYS);
  if (!s) return undefined;
  const rules: Record<RuleKey, string[]> = { subjectDN: [], sanDNS: [], sanURI: [], sanEmail: [], sanIP: [], thumbprints: [] };
  let entries = 0;
  for (const key of RULE_KEYS) {
    for (const item of s.stringList(key) ?? []) {
      entries += 1;
      const problem = CHECKS[key](item.value) ?? compileProblem(key, item.value);
      if (problem) reportError(s.ctx, item.node, item.path, problem);
      else rules[key].push(item.value);
    }
  }
  // An empty allow block would mean "nobody" to one reader and "anybody" to another.
  if (entries === 0 && RULE_KEYS.every((k) => !s.has(k) || isEmptyList(s, k))) {
    s.errorHere(`allow needs at least one entry in ${RULE_KEYS.join(', ')}; remove allow to admit every verified certificate`);
  }
  return rules;
}

/** What compileAllowEntry, the code that matches the entry at runtime, says of it. */
function compileProblem(key: RuleKey, value: string): string | undefined {
  try {
    compileAllowEntry(key, value);
    return undefined;
  } catch (err) {
    return `cannot be matched: ${(err as Error).message}`;
  }
}

function isEmptyList(s: ConfigSection, key: RuleKey): boolean {
  const v = s.value(key);
  return isSeq(v) && v.items.length === 0;
}
