// `routes[].signature`: what a route changes in its upstream's signing. Only `largeBodies`: a
// token endpoint and an upload endpoint of the same upstream need different answers to a large
// body, while key, digest limit and expiry stay the upstream's.
import type { ConfigSection } from './config-section.js';
import { LARGE_BODIES } from '../signing/config.js';
import type { RouteSignature } from '../routing/config.js';
import type { UpstreamConfig } from './types.js';

export function readRouteSignature(parent: ConfigSection, upstream: UpstreamConfig | undefined): RouteSignature | undefined {
  const s = parent.section('signature', ['largeBodies']);
  if (!s) return undefined;
  const largeBodies = s.enum('largeBodies', LARGE_BODIES);
  if (upstream !== undefined && upstream.signature === undefined) {
    parent.error('signature', `upstream '${upstream.name}' does not sign requests (no upstreams.${upstream.name}.signature); remove signature from this route`);
    return undefined;
  }
  return largeBodies === undefined ? undefined : { largeBodies };
}
