// The loaded config is shared by every request and worker module; freezing it makes an accidental
// write (say, a route's allow list edited per request) fail loudly instead of leaking across
// requests. Maps and Sets cannot be frozen by Object.freeze, so their mutators are disabled.

function refuse(): never {
  throw new TypeError('the gateway config is frozen');
}

export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value)) return value;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen);
      deepFreeze(v, seen);
    }
    Object.defineProperties(value, { set: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
    return Object.freeze(value);
  }
  if (value instanceof Set) {
    for (const v of value) deepFreeze(v, seen);
    Object.defineProperties(value, { add: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
    return Object.freeze(value);
  }
  // Plain data only: Buffers cannot be frozen, and X509Certificate, KeyObject and URL keep their
  // state in internal slots that freezing would not protect anyway.
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  for (const v of Object.values(value)) deepFreeze(v, seen);
  return Object.freeze(value);
}
