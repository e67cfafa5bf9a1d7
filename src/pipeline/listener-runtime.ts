// Per-listener state provisioned once at start: trust anchors, the identity resolver and the
// revocation checker (revocation config is per listener).
import type { Registry } from 'prom-client';
import type { ListenerConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { TrustStore } from '../tls/trust-store.js';
import { PeerIdentityResolver } from '../tls/peer-identity.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';

export interface ListenerRuntime {
  readonly config: ListenerConfig;
  readonly trust: TrustStore;
  readonly identities: PeerIdentityResolver;
  /** undefined when revocation.check is off */
  readonly revocation: RevocationChecker | undefined;
}

export async function createListenerRuntime(config: ListenerConfig, logger: Logger, registry: Registry): Promise<ListenerRuntime> {
  const trust = new TrustStore(config.clientAuth.trustedCAs);
  // Loaded only when a listener checks revocation: the checker's HTTP client (undici) and OCSP
  // codecs cost a worker about 20 MB of RSS that a listener without revocation never uses.
  const revocation =
    config.revocation.check === 'off'
      ? undefined
      : new (await import('../revocation/revocation-checker.js')).RevocationChecker(config.revocation, {
          logger: logger.child({ listener: config.name, component: 'revocation' }),
          registry,
          trust,
        });
  return { config, trust, identities: new PeerIdentityResolver(config.clientAuth, trust), revocation };
}
