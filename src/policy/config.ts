// `routes[].allow` as the config loader validated it (src/policy/allow-entries.ts judges each
// entry); compiled into a CompiledAllow (route-policy.ts) when the config loads.
export interface AllowRules {
  readonly subjectDN: readonly string[];
  readonly sanDNS: readonly string[];
  readonly sanURI: readonly string[];
  readonly sanEmail: readonly string[];
  readonly sanIP: readonly string[];
  readonly thumbprints: readonly string[];
}
