// Methods a route must name to receive. TRACE echoes the request back, so an echoing upstream
// would reveal headers added on the way, such as credentials (cross-site tracing): it is answered
// 405 unless the matched route lists TRACE in `match.methods` (a route without `methods` does not
// count). CONNECT asks for a tunnel, which certgate never opens: always 405, and route-config
// refuses a route listing it.
import { GatewayError } from '../errors.js';

/**
 * `Allow` for such a 405 (RFC 9110 section 15.5.6). The route table only returns a route that
 * lists the method or lists none, so a refused request's route allows every other method.
 */
const ALLOW_WITHOUT_EXPLICIT = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** True when `method` is refused on a route with these `methods` (undefined: no route, or every method). */
export function isMethodRefused(method: string, routeMethods: ReadonlySet<string> | undefined): boolean {
  if (method === 'CONNECT') return true;
  return method === 'TRACE' && routeMethods?.has(method) !== true;
}

export function methodNotAllowed(method: string): GatewayError {
  return new GatewayError('METHOD_NOT_ALLOWED', `${method} is not allowed on this route`, { allow: ALLOW_WITHOUT_EXPLICIT });
}
