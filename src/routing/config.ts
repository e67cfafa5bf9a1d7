// `routes[]` as the config loader validated it (src/config/route-config.ts): upstream resolved,
// allow list compiled. route-table.ts indexes them. src/config/types.ts re-exports it.
import type { UpstreamConfig } from '../config/types.js';
import type { DiscoveryConfig } from '../discovery/config.js';
import type { AllowRules } from '../policy/config.js';
import type { LargeBodies } from '../signing/config.js';
import type { CompiledAllow } from '../policy/route-policy.js';
import type { TokenBindingConfig } from '../token-binding/config.js';

export interface RouteMatch {
  readonly host?: string;
  readonly pathPrefix: string;
  /** Upper-case; absent means every method. */
  readonly methods?: ReadonlySet<string>;
}

export interface RouteConfig {
  readonly name: string;
  /** Listener names this route applies to; absent means every listener. */
  readonly listeners?: readonly string[];
  readonly match: RouteMatch;
  readonly upstream: UpstreamConfig;
  readonly clientCert: 'required' | 'optional';
  readonly allow?: AllowRules;
  /** `allow` compiled when the config loads (present exactly when allow is). */
  readonly compiledAllow?: CompiledAllow;
  /** RFC 8705 mTLS aliases written into the discovery documents this route serves (src/discovery/). */
  readonly discovery?: DiscoveryConfig;
  /** Certificate-bound access tokens required (RFC 8705 section 3); absent: the route checks no token. */
  readonly tokenBinding?: TokenBindingConfig;
  /** Overrides of the upstream's signing (src/config/route-signature.ts). */
  readonly signature?: RouteSignature;
}

export interface RouteSignature {
  readonly largeBodies: LargeBodies;
}
