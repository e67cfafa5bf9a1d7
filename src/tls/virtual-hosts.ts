// The TLS servers of a listener's SNI `hosts`: one https.Server per host, made like the listener's
// own (createTlsServer, guardListener) but never listening: the listener's server accepts every
// connection and sni-dispatch.ts hands each to the server of the host its ClientHello names.
import type https from 'node:https';
import type { ListenerConfig, VirtualHostConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { ListenerRuntime, VirtualHostRuntime } from '../pipeline/listener-runtime.js';
import { createTlsServer, type RequestHandler } from './tls-listener.js';
import { guardListener } from './listener-guards.js';
import { dispatchBySni } from './sni-dispatch.js';
import { ServerNames } from './server-names.js';

export interface VirtualHostServer {
  readonly host: VirtualHostRuntime;
  readonly server: https.Server;
  /** The listener's config with this host's tls, clientAuth and revocation: what the TLS server is made from. */
  readonly config: ListenerConfig;
}

/** Must run right after the listener's server is created (before readProxyHeaders). */
export function serveVirtualHosts(
  server: https.Server,
  listener: ListenerRuntime,
  handlerFor: (host: VirtualHostRuntime) => RequestHandler,
  logger: Logger,
  metrics: GatewayMetrics,
): VirtualHostServer[] {
  const servers = listener.hosts.map((host): VirtualHostServer => {
    const config = hostListenerConfig(listener.config, host.config);
    const hostServer = createTlsServer(config, host.trust, handlerFor(host));
    guardListener(hostServer, listener.config, logger, metrics);
    // Node's HTTP server starts enforcing headersTimeout and requestTimeout on 'listening'
    // (setupConnectionsTracking in lib/_http_server.js); this one gets its sockets handed over.
    hostServer.emit('listening');
    return { host, server: hostServer, config };
  });
  const byName = new ServerNames(servers.map((v) => [v.host.config.serverNames, v.server] as const));
  dispatchBySni(server, byName, { listenerName: listener.config.name, handshakeTimeout: listener.config.limits.handshakeTimeout, logger, metrics });
  return servers;
}

function hostListenerConfig(listener: ListenerConfig, host: VirtualHostConfig): ListenerConfig {
  return { ...listener, tls: host.tls, clientAuth: host.clientAuth, revocation: host.revocation };
}
