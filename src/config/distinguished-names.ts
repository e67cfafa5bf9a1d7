// A syntax check for RFC 4514 distinguished-name strings in `allow.subjectDN` and revocation
// overrides. Comparison (attribute order, case) is the policy module's job; here a DN that could
// never match, such as `CN=a;O=b` or `client.example.org`, is reported instead of denying forever.

const ATTRIBUTE_TYPE = /^\s*(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)\s*$/;

/** Why `dn` is not an RFC 4514 string, or undefined when it is. */
export function distinguishedNameProblem(dn: string): string | undefined {
  if (dn.trim() === '') return 'empty distinguished name';
  for (const rdn of splitUnescaped(dn, ',')) {
    for (const atav of splitUnescaped(rdn, '+')) {
      const eq = atav.indexOf('=');
      if (eq === -1) return `'${atav.trim()}' is not type=value`;
      if (!ATTRIBUTE_TYPE.test(atav.slice(0, eq))) return `'${atav.slice(0, eq).trim()}' is not an attribute type`;
      const value = atav.slice(eq + 1);
      const problem = valueProblem(value.trim());
      if (problem) return problem;
    }
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  if (value.startsWith('#')) return /^#(?:[0-9A-Fa-f]{2})+$/.test(value) ? undefined : `'${value}' is not a valid #hex value`;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(next)) i += 2;
      else if (next.length > 0 && ` "#+,;<=>\\`.includes(next[0]!)) i += 1;
      else return `bad escape in '${value}'`;
    } else if (ch === '"' || ch === ';' || ch === '<' || ch === '>' || ch === '=') {
      return `unescaped '${ch}' in '${value}' (escape it with a backslash)`;
    }
  }
  return undefined;
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i += 1;
    } else if (ch === sep) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** x5t#S256: base64url SHA-256, 43 characters, no padding (RFC 8705 section 3.1). */
export function isThumbprint(text: string): boolean {
  return /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(text);
}
