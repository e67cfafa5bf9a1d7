// RFC 9421 signature base construction, shared by the signer and the verifier. Pure functions:
// no I/O and no gateway runtime, so `certgate/verify` can import this file on its own.
import { serializeInnerList, serializeItem, serializeParameters } from 'structured-headers';
import type { BareItem, InnerList, Item } from 'structured-headers';

/** The dictionary label of certgate's entry in Signature-Input and Signature. */
export const SIGNATURE_LABEL = 'certgate';

/** One covered component: its identifier (`@method`, `content-type`, ...) and its resolved value. */
export type ComponentLine = readonly [id: string, value: string];

/** Signature parameters in the order they appear in `Signature-Input` (RFC 9421 section 2.3). */
export type SignatureParams = ReadonlyArray<readonly [name: string, value: BareItem]>;

/**
 * Serialized component identifier (RFC 9421 section 2.1): an sf-string, lower-cased for fields.
 * certgate covers components without parameters (`;sf`, `;bs`, `;req`, ...).
 */
export function componentIdentifier(id: string): string {
  let out = identifiers.get(id);
  // Stryker disable next-line ConditionalExpression: a memo; skipping it serialises the same (docs/mutation-testing.md)
  if (out === undefined) {
    out = serializeItem(id, new Map());
    // The verifier sees identifiers chosen by whoever sent the request: keep the memo bounded.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound is memory only, not output
    if (identifiers.size < 1024) identifiers.set(id, out);
  }
  return out;
}

const identifiers = new Map<string, string>();

/**
 * The `@signature-params` value (RFC 9421 section 2.3): the inner list of covered identifiers with
 * the signature parameters, exactly as it appears after `label=` in `Signature-Input`.
 */
export function signatureParamsValue(covered: readonly string[], params: SignatureParams): string {
  const items: Item[] = covered.map((id) => [id, new Map<string, BareItem>()]);
  const inner: InnerList = [items, new Map(params)];
  return serializeInnerList(inner);
}

/**
 * The signature base (RFC 9421 section 2.5): one `"id": value` line per covered component, in
 * coverage order, then the `"@signature-params"` line; lines end with LF, the last one does not.
 */
export function buildSignatureBase(lines: readonly ComponentLine[], signatureParams: string): string {
  let base = '';
  for (const [id, value] of lines) base += `${componentIdentifier(id)}: ${value}\n`;
  return `${base}"@signature-params": ${signatureParams}`;
}

/**
 * An HTTP field's component value (RFC 9421 section 2.1): each field line with leading and
 * trailing whitespace removed, lines joined with ", " in the order received.
 */
export function fieldValue(lines: readonly string[]): string {
  // Stryker disable next-line ConditionalExpression: a one-line fast path; map + join gives the same
  if (lines.length === 1) return trimOws(lines[0]!);
  return lines.map(trimOws).join(', ');
}

// Only SP and HTAB are optional whitespace in HTTP (RFC 9110 section 5.6.3).
function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** `;keyid="...";alg="..."`: a parameter list suffix, serialized once at provisioning time. */
export function serializeParamSuffix(params: SignatureParams): string {
  return serializeParameters(new Map(params));
}
