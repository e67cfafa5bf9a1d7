// `routes[].allow`: which client certificates may use a route. Each entry is judged by the policy
// module's one validator (src/policy/allow-entries.ts), which runs the runtime's own compiler.
import { isSeq } from 'yaml';
import type { ConfigSection } from './config-section.js';
import { reportError } from './load-context.js';
import type { AllowRules } from './types.js';
import { ALLOW_RULE_KEYS as RULE_KEYS, allowEntryProblem, type AllowRuleKey as RuleKey } from '../policy/allow-entries.js';

export function readAllowRules(parent: ConfigSection): AllowRules | undefined {
  const s = parent.section('allow', RULE_KEYS);
  if (!s) return undefined;
  const rules: Record<RuleKey, string[]> = { subjectDN: [], sanDNS: [], sanURI: [], sanEmail: [], sanIP: [], thumbprints: [] };
  let entries = 0;
  for (const key of RULE_KEYS) {
    for (const item of s.stringList(key) ?? []) {
      entries += 1;
      const problem = allowEntryProblem(key, item.value);
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

function isEmptyList(s: ConfigSection, key: RuleKey): boolean {
  const v = s.value(key);
  return isSeq(v) && v.items.length === 0;
}
