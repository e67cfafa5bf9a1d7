// Verifies one RFC 9421 signature on a request (section 3.2): find the labelled entry, check what
// it covers, rebuild the signature base from the request as received, check the signature with
// the key named by `keyid`, then the time window.
import { parseDictionary, serializeInnerList } from 'structured-headers';
import type { Dictionary, InnerList, Item } from 'structured-headers';
import { buildSignatureBase, fieldValue } from '../wire/signature-base.js';
import type { ComponentLine } from '../wire/signature-base.js';
import { CertgateVerifyError } from './errors.js';
import { lookupKey, resolveKey } from './keys.js';
import type { VerificationKeys } from './keys.js';
import type { RequestView } from './request-view.js';

export interface SignatureCheckOptions {
  readonly label: string;
  readonly keys: VerificationKeys;
  /** Seconds. */
  readonly maxAge: number;
  /** Seconds. */
  readonly clockSkew: number;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Component identifiers (`@method`, `content-type`, ...) the signature must cover. */
  readonly requiredComponents: readonly string[];
}

export interface VerifiedSignature {
  readonly keyId: string;
  readonly created: number;
  readonly expires?: number;
  /** The `nonce` parameter, when signed (certgate always sends one). */
  readonly nonce?: string;
  /** The `tag` parameter, when signed (`certgate-nobody`: the body is not covered). */
  readonly tag?: string;
  /** Covered component identifiers, in coverage order. */
  readonly covered: ReadonlySet<string>;
}

export function verifyMessageSignature(view: RequestView, opts: SignatureCheckOptions): VerifiedSignature {
  const input = labelled(view, 'signature-input', opts.label);
  const sigEntry = labelled(view, 'signature', opts.label);
  if (!isInnerList(input)) throw malformed(`Signature-Input ${opts.label} is not an inner list`);
  const sig = sigEntry[0];
  if (!(sig instanceof ArrayBuffer)) throw malformed(`Signature ${opts.label} is not a byte sequence`);

  const covered = coveredComponents(input[0]);
  for (const id of opts.requiredComponents) {
    if (!covered.has(id)) {
      throw new CertgateVerifyError('ERR_COMPONENT_NOT_COVERED', `signature does not cover ${id}`, { component: id });
    }
  }

  const params = input[1];
  const keyId = params.get('keyid');
  const created = params.get('created');
  const expires = params.get('expires');
  const alg = params.get('alg');
  if (typeof keyId !== 'string') throw malformed('signature has no keyid');
  // created is required here: without it a captured request could be replayed forever.
  if (!isInteger(created)) throw malformed('signature has no integer created');
  if (expires !== undefined && !isInteger(expires)) throw malformed('expires is not an integer');
  if (alg !== undefined && typeof alg !== 'string') throw malformed('alg is not a string');
  const nonce = params.get('nonce');
  const tag = params.get('tag');
  if (nonce !== undefined && typeof nonce !== 'string') throw malformed('nonce is not a string');
  if (tag !== undefined && typeof tag !== 'string') throw malformed('tag is not a string');

  const keyInput = lookupKey(opts.keys, keyId);
  if (keyInput === undefined) {
    throw new CertgateVerifyError('ERR_UNKNOWN_KEYID', `no key for keyid ${keyId}`, { component: 'keyid' });
  }
  const key = resolveKey(keyInput);
  // The key fixes the algorithm (RFC 9421 3.2 step 6); `alg` may only confirm it, never choose.
  if (alg !== undefined && alg !== key.alg) {
    throw new CertgateVerifyError('ERR_BAD_SIGNATURE', `alg ${alg} does not match the ${key.alg} key ${keyId}`, { component: 'alg' });
  }

  const lines: ComponentLine[] = [];
  for (const id of covered) lines.push([id, componentValue(view, id)]);
  const base = buildSignatureBase(lines, serializeInnerList(input));
  if (!key.verify(base, new Uint8Array(sig))) {
    throw new CertgateVerifyError('ERR_BAD_SIGNATURE', 'signature does not match the request');
  }

  checkTimes(created, expires, opts);
  return { keyId, created, ...(expires === undefined ? {} : { expires }), ...(nonce === undefined ? {} : { nonce }), ...(tag === undefined ? {} : { tag }), covered };
}

function labelled(view: RequestView, field: string, label: string): Item | InnerList {
  const lines = view.fields.get(field);
  if (lines === undefined) throw new CertgateVerifyError('ERR_NO_SIGNATURE', `request has no ${field} field`);
  let dict: Dictionary;
  try {
    dict = parseDictionary(lines.join(', '));
  } catch (err) {
    throw new CertgateVerifyError('ERR_MALFORMED', `${field} is not a structured dictionary`, { component: field, cause: err });
  }
  const entry = dict.get(label);
  if (entry === undefined) throw new CertgateVerifyError('ERR_NO_SIGNATURE', `${field} has no ${label} entry`);
  return entry;
}

function isInnerList(entry: Item | InnerList): entry is InnerList {
  return Array.isArray(entry[0]);
}

function coveredComponents(items: readonly Item[]): Set<string> {
  const covered = new Set<string>();
  for (const [id, params] of items) {
    if (typeof id !== 'string') throw malformed('a component identifier is not a string');
    // Parameters (;sf ;bs ;key ;req ;name) change how a value is derived; certgate never sends them.
    if (params.size > 0) throw malformed(`component parameters on ${id} are not supported`);
    // RFC 9421 2.1: field names in identifiers are lower case.
    if (id !== id.toLowerCase()) throw malformed(`component ${id} is not lower case`);
    // RFC 9421 3.1: a component appears once.
    if (covered.has(id)) throw malformed(`component ${id} is covered twice`);
    covered.add(id);
  }
  return covered;
}

function componentValue(view: RequestView, id: string): string {
  switch (id) {
    case '@method':
      return view.method;
    case '@authority':
      if (view.authority === undefined) throw malformed('request has no authority (Host) to check @authority');
      return view.authority;
    case '@path':
      return view.path;
    case '@query':
      // RFC 9421 2.2.7: no query is the empty query, "?".
      return view.query ?? '?';
    case '@request-target':
      return view.query === undefined ? view.path : view.path + view.query;
  }
  if (id.startsWith('@')) throw malformed(`derived component ${id} is not supported`);
  const lines = view.fields.get(id);
  if (lines === undefined) {
    // A covered header that is gone was removed after signing (e.g. a stripped certificate).
    throw new CertgateVerifyError('ERR_BAD_SIGNATURE', `covered header ${id} is missing`, { component: id });
  }
  return fieldValue(lines);
}

function checkTimes(created: number, expires: number | undefined, opts: SignatureCheckOptions): void {
  const now = Math.floor(opts.now / 1000);
  const skew = opts.clockSkew;
  if (created > now + skew) {
    throw new CertgateVerifyError('ERR_SIGNATURE_EXPIRED', `created ${created} is in the future`, { component: 'created' });
  }
  if (now - created > opts.maxAge + skew) {
    throw new CertgateVerifyError('ERR_SIGNATURE_EXPIRED', `created ${created} is older than ${opts.maxAge}s`, { component: 'created' });
  }
  if (expires !== undefined && now > expires + skew) {
    throw new CertgateVerifyError('ERR_SIGNATURE_EXPIRED', `signature expired at ${expires}`, { component: 'expires' });
  }
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function malformed(message: string): CertgateVerifyError {
  return new CertgateVerifyError('ERR_MALFORMED', message);
}
