// `${NAME}` takes an environment variable; `$${` is a literal `${`. A missing variable is an
// error rather than an empty string: an empty password or path would fail far from its cause.

export type InterpolationResult = { readonly ok: true; readonly value: string; readonly usedEnv: boolean } | { readonly ok: false; readonly message: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): InterpolationResult {
  if (!text.includes('$')) return { ok: true, value: text, usedEnv: false };
  let out = '';
  let usedEnv = false;
  const missing: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end === -1) return { ok: false, message: "unterminated '${' (write '$${' for a literal '${')" };
      const name = text.slice(i + 2, end);
      if (!NAME.test(name)) {
        return { ok: false, message: `invalid environment variable name '${name}' in '\${...}' (expected letters, digits, _)` };
      }
      const value = env[name];
      if (value === undefined) missing.push(name);
      else out += value;
      usedEnv = true;
      i = end + 1;
      continue;
    }
    out += text.charAt(i);
    i += 1;
  }
  if (missing.length > 0) {
    const names = missing.join(', ');
    return { ok: false, message: `environment variable${missing.length > 1 ? 's' : ''} ${names} ${missing.length > 1 ? 'are' : 'is'} not set` };
  }
  return { ok: true, value: out, usedEnv };
}
