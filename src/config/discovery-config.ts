// `routes[].discovery`: the RFC 8705 section 5 rewrite of an authorization server's metadata
// (run by src/discovery/). Validated here so a typo in the alias host fails at load, not in a
// client's token request.
import type { DiscoveryConfig } from '../discovery/config.js';
import type { ConfigSection } from './config-section.js';
import { isHostname } from './listen-address.js';

export function readDiscovery(parent: ConfigSection): DiscoveryConfig | undefined {
  const s = parent.section('discovery', ['mtlsAliasHost', 'boundTokens']);
  if (!s) return undefined;
  const host = s.string('mtlsAliasHost', { required: true });
  const boundTokens = s.boolean('boundTokens') ?? false;
  if (host === undefined) return undefined;
  if (!isAliasHost(host)) {
    s.error('mtlsAliasHost', `expected a host name, optionally with :port, such as mtls.idp.example.com or mtls.idp.example.com:8443, got '${host}'`);
    return undefined;
  }
  // Host names are case-insensitive (RFC 9110 section 4.2.3): written lower-case, as URLs serialise them.
  return { mtlsAliasHost: host.toLowerCase(), boundTokens };
}

function isAliasHost(text: string): boolean {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m || !isHostname(m[1]!)) return false;
  if (m[2] === undefined) return true;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535;
}
