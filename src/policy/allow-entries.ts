// The one validator of `routes[].allow` entries, used by the config loader (and so by
// `certgate check`). An entry passes only if its syntax is right AND compileAllowEntry, the code
// that matches it at runtime, accepts it: a typo cannot become a rule that never matches (and
// silently denies) or, worse, is dropped.
import { isIP } from 'node:net';
import type { AllowRules } from './config.js';
import { compileAllowEntry } from './route-policy.js';
import { distinguishedNameProblem } from '../x509/distinguished-name.js';
import { isThumbprint } from '../wire/thumbprint.js';

export type AllowRuleKey = keyof AllowRules;
export const ALLOW_RULE_KEYS = ['subjectDN', 'sanDNS', 'sanURI', 'sanEmail', 'sanIP', 'thumbprints'] as const satisfies readonly AllowRuleKey[];

const DNS_NAME = /^(\*\.)?(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const SYNTAX: Record<AllowRuleKey, (v: string) => string | undefined> = {
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

/** Why this allow entry cannot be used, or undefined when it can. */
export function allowEntryProblem(key: AllowRuleKey, value: string): string | undefined {
  const syntax = SYNTAX[key](value);
  if (syntax) return syntax;
  try {
    compileAllowEntry(key, value);
    return undefined;
  } catch (err) {
    return `cannot be matched: ${(err as Error).message}`;
  }
}
