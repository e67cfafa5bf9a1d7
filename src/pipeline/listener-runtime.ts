// Per-listener state provisioned once at start: trust anchors, the identity resolver and the
// revocation checker (revocation config is per listener).
import type { Registry } from 'prom-client';
import type { ListenerConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { TrustStore } from '../tls/trust-store.js';
import { PeerIdentityResolver } from '../tls/peer-identity.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';

export interface ListenerRuntime {
  readonly config: ListenerConfig;
  readonly trust: TrustStore;
  readonly identities: PeerIdentityResolver;
  /** undefined when revocation.check is off */
  readonly revocation: RevocationChecker | undefined;
}

export function createListenerRuntime(config: ListenerConfig, logger: Logger, registry: Registry): ListenerRuntime {
  const trust = new TrustStore(config.clientAuth.trustedCAs);
  const revocation =
    config.revocation.check === 'off'
      ? undefined
      : new RevocationChecker(config.revocation, {
          logger: logger.child({ listener: config.name, component: 'revocation' }),
          registry,
          trust,
        });
  return { config, trust, identities: new PeerIdentityResolver(config.clientAuth, trust), revocation };
}
