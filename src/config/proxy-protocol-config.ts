// `listeners[].proxyProtocol`: read a PROXY protocol header (v1, v2) before the TLS handshake, from
// the load balancers named in `from` only. Anyone else could name any client address.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ConfigSection } from './config-section.js';
import { reportError } from './load-context.js';
import type { ProxyProtocolConfig } from './types.js';

const KEYS = ['accept', 'from', 'required', 'timeout'];
const VERSIONS = ['v1', 'v2', 'any'] as const;
const DEFAULT_TIMEOUT_MS = 5_000;
const CIDR_EXPECTED = 'an IP address or CIDR such as 10.0.0.0/8 or fd00::/8';

/** null when the key is absent; undefined when it is invalid (the errors are reported). */
export function readProxyProtocol(parent: ConfigSection): ProxyProtocolConfig | undefined | null {
  if (!parent.has('proxyProtocol')) return null;
  const s = parent.section('proxyProtocol', KEYS);
  if (!s) return undefined;
  const accept = s.enum('accept', VERSIONS, { required: true });
  const required = s.boolean('required') ?? false;
  const timeout = s.has('timeout') ? s.duration('timeout', { min: 1 }) : DEFAULT_TIMEOUT_MS;
  const items = s.stringList('from', { required: true });
  if (items && items.length === 0) s.error('from', 'expected at least one trusted load balancer address or CIDR');
  const trustedSources = new BlockList();
  let fromOk = items !== undefined && items.length > 0;
  for (const item of items ?? []) {
    if (!addCidr(trustedSources, item.value)) {
      reportError(s.ctx, item.node, item.path, `expected ${CIDR_EXPECTED}, got '${item.value}'`);
      fromOk = false;
    }
  }
  if (accept === undefined || timeout === undefined || !fromOk) return undefined;
  return { accept, from: items!.map((i) => i.value), trustedSources, required, timeout };
}

function addCidr(list: BlockList, text: string): boolean {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (type === undefined) return false;
  const max = type === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) return false;
  list.addSubnet(address, Number(prefixText), type);
  return true;
}
