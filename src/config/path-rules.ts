// `listeners[].paths`: how strict the canonical request path is (src/routing/canonical-path.ts).
import type { ConfigSection } from './config-section.js';
import type { PathParameters, PathRules } from './types.js';

const PARAMETERS = ['reject', 'allow'] as const satisfies readonly PathParameters[];

// `;` parameters are refused by default: Tomcat, Jetty and Spring drop them before routing, so
// `/admin;x/y` would reach `/admin/y` past a prefix route that guards `/admin/`.
const DEFAULT_PATH_RULES: PathRules = Object.freeze({ parameters: 'reject' });

export function readPathRules(parent: ConfigSection): PathRules | undefined {
  if (!parent.has('paths')) return DEFAULT_PATH_RULES;
  const s = parent.section('paths', ['parameters']);
  if (!s) return undefined;
  return Object.freeze({ parameters: s.enum('parameters', PARAMETERS) ?? DEFAULT_PATH_RULES.parameters });
}
