// `upstreams.<name>.stripHeaders`: client header names the operator wants removed before the
// request reaches this upstream, on top of those the gateway always owns
// (src/headers/sanitize-headers.ts). Matched like the owned ones: any case, `_` read as `-`.
import { reportError } from './load-context.js';
import type { ConfigSection } from './config-section.js';
import { isHttpToken } from './header-names.js';

// Removing these would change how the request is framed or routed, not what it claims.
const NOT_STRIPPABLE = new Set(['host', 'content-length', 'transfer-encoding']);

export function readStripHeaders(parent: ConfigSection): readonly string[] | undefined {
  if (!parent.has('stripHeaders')) return Object.freeze([]);
  const items = parent.stringList('stripHeaders');
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    if (!isHttpToken(item.value)) {
      reportError(parent.ctx, item.node, item.path, `'${item.value}' is not a valid header name (RFC 9110 token)`);
    } else if (NOT_STRIPPABLE.has(item.value.toLowerCase())) {
      reportError(parent.ctx, item.node, item.path, `'${item.value}' frames or routes the request and cannot be stripped`);
    } else {
      out.push(item.value);
    }
  }
  return Object.freeze(out);
}
