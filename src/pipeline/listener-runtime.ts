// Per-listener state provisioned once at start: trust anchors, the identity resolver and the
// revocation checker, for the listener's own (default) host and for each of its SNI `hosts`
// (tls, client auth and revocation are per host).
import type { Registry } from 'prom-client';
import type { ClientAuthConfig, ListenerConfig, RevocationConfig, VirtualHostConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import { TrustStore } from '../tls/trust-store.js';
import { PeerIdentityResolver } from '../tls/peer-identity.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';

/** What the identify and revocation stages use of the host a connection's handshake went through. */
export interface HostRuntime {
  readonly listenerName: string;
  readonly clientAuth: ClientAuthConfig;
  readonly trust: TrustStore;
  readonly identities: PeerIdentityResolver;
  /** undefined when revocation.check is off */
  readonly revocation: RevocationChecker | undefined;
}

export interface VirtualHostRuntime extends HostRuntime {
  readonly config: VirtualHostConfig;
}

/** The listener, which is also its default host (no SNI, or a name none of `hosts` has). */
export interface ListenerRuntime extends HostRuntime {
  readonly config: ListenerConfig;
  /** `hosts` in config order; empty for a listener without. */
  readonly hosts: readonly VirtualHostRuntime[];
}

export async function createListenerRuntime(config: ListenerConfig, logger: Logger, registry: Registry): Promise<ListenerRuntime> {
  const own = await createHostRuntime(config.name, config.clientAuth, config.revocation, logger, registry);
  const hosts: VirtualHostRuntime[] = [];
  for (const host of config.hosts ?? []) {
    hosts.push({ ...(await createHostRuntime(config.name, host.clientAuth, host.revocation, logger, registry, host.serverNames[0])), config: host });
  }
  return { ...own, config, hosts };
}

async function createHostRuntime(
  listenerName: string,
  clientAuth: ClientAuthConfig,
  revocationConfig: RevocationConfig,
  logger: Logger,
  registry: Registry,
  serverName?: string,
): Promise<HostRuntime> {
  const trust = new TrustStore(clientAuth.trustedCAs);
  // Loaded only when a listener checks revocation: the checker's HTTP client (undici) and OCSP
  // codecs cost a worker about 20 MB of RSS that a listener without revocation never uses.
  const revocation =
    revocationConfig.check === 'off'
      ? undefined
      : new (await import('../revocation/revocation-checker.js')).RevocationChecker(revocationConfig, {
          logger: logger.child({ listener: listenerName, ...(serverName !== undefined ? { host: serverName } : {}), component: 'revocation' }),
          registry,
          trust,
        });
  return { listenerName, clientAuth, trust, identities: new PeerIdentityResolver(clientAuth, trust), revocation };
}
