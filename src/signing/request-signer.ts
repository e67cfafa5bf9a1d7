// Signs what certgate forwards (RFC 9421): label `certgate`, covering @method, @authority, @path,
// @query when present, every header the gateway added and, for a request with a body,
// content-digest (RFC 9530). Every signature carries `expires` and a fresh `nonce`, so the
// upstream can refuse a replay (certgate/verify's replay cache). Everything that does not change
// per request (key, parameter suffix, identifier list per header set, and for a frozen per-identity
// header list its base lines) is prepared once, so a request costs a few string concatenations,
// one nonce and one signature.
import type { SignatureConfig } from './config.js';
import { createSignFn } from './signing-key.js';
import type { SignFn } from './signing-key.js';
import { nextNonce } from './nonce-source.js';
import { componentIdentifier, serializeParamSuffix, signatureParamsValue, SIGNATURE_LABEL } from '../wire/signature-base.js';

export interface SignInput {
  readonly method: string;
  /** Host[:port] the upstream receives, without a default port. */
  readonly authority: string;
  /** Path as sent upstream, percent-encoding untouched. */
  readonly path: string;
  /** With the leading `?`; absent when the target has no query. */
  readonly query?: string;
  /** Flat [name, value, name, value, ...] of the headers the gateway added, names as sent. */
  readonly added: readonly string[];
  /**
   * The request-ID header as sent and its value, covered after `added`. Given apart from `added`
   * so the per-identity list stays one frozen array and no per-request list is built.
   */
  readonly requestIdHeader?: string;
  readonly requestId?: string;
  /** The `Content-Digest` value sent, covered last; absent for a request without a body. */
  readonly contentDigest?: string;
  /** The body is forwarded without a digest (over digestMaxBody): tag the signature so. */
  readonly unsignedBody?: boolean;
  /** Milliseconds since the epoch; defaults to Date.now(). */
  readonly now?: number;
}

export interface SignedHeaders {
  /** Value for `Signature-Input`. */
  readonly signatureInput: string;
  /** Value for `Signature`. */
  readonly signature: string;
}

export interface RequestSigner {
  readonly alg: SignatureConfig['alg'];
  readonly keyId: string;
  sign(input: SignInput): SignedHeaders;
}

/** Precomputed per set of added header names (the "coverage shape"). */
interface Shape {
  /** `("@method" "@authority" "@path" ... "x-client-cert")`, the inner list without parameters. */
  readonly coveredList: string;
  /** `"x-client-cert": ` per distinct header, in coverage order. */
  readonly linePrefixes: readonly string[];
  /** For each added pair, the index of its distinct header; null when no name repeats. */
  readonly slots: readonly number[] | null;
  /** `"x-request-id": `, the last covered header; empty when no request ID is covered. */
  readonly requestIdPrefix: string;
}

/**
 * The constant part of the base for one frozen `added` list (one identity on one upstream) and one
 * coverage variant, kept beside the list: its header lines are the same for every request of the
 * identity, and the parameters up to the nonce are the same within a second.
 */
interface Prepared {
  readonly shape: Shape;
  readonly requestIdHeader: string | undefined;
  /** the base lines of `added`, each ending with LF */
  readonly headerLines: string;
  /** the second `paramsHead` was made for */
  created: number;
  /** `@signature-params` up to and including `nonce="` */
  paramsHead: string;
}

/** The `tag` parameter of a signature whose request body is not covered (issue 14). */
const UNSIGNED_BODY_TAG = 'certgate-nobody';
const CONTENT_DIGEST_LINE = `${componentIdentifier('content-digest')}: `;

// Shapes come from config (which headers an upstream gets, with or without a certificate), so a
// handful exist; the bound only guards against a caller passing per-request names.
const MAX_SHAPES = 256;

export function createRequestSigner(cfg: SignatureConfig): RequestSigner {
  const signBase: SignFn = createSignFn(cfg.alg, cfg.key);
  const paramSuffix = serializeParamSuffix([
    ['keyid', cfg.keyId],
    ['alg', cfg.alg],
  ]);
  const expiresIn = cfg.expiresIn;
  const shapes = new Map<string, Shape>();
  // Keyed by the list itself: only a frozen list (identity-headers.ts freezes each identity's) can
  // be known to hold the same values next time; a list that goes away takes its entries with it.
  // Per signer, so a reload (a new signer) or another upstream never sees these.
  const prepared = new WeakMap<readonly string[], (Prepared | undefined)[]>();
  // No signature is reused: each carries its own nonce, so no two bases are ever the same.

  function shapeFor(added: readonly string[], withQuery: boolean, requestIdHeader: string | undefined, withDigest: boolean): Shape {
    let key = withQuery ? '?' : '';
    for (let i = 0; i < added.length; i += 2) key += `${added[i]}\n`;
    if (requestIdHeader !== undefined) key += `+${requestIdHeader}`;
    if (withDigest) key += '#';
    let shape = shapes.get(key);
    if (shape === undefined) {
      shape = buildShape(added, withQuery, requestIdHeader, withDigest);
      if (shapes.size >= MAX_SHAPES) shapes.clear();
      shapes.set(key, shape);
    }
    return shape;
  }

  function prepare(added: readonly string[], withQuery: boolean, requestIdHeader: string | undefined, withDigest: boolean): Prepared {
    const build = (): Prepared => {
      const shape = shapeFor(added, withQuery, requestIdHeader, withDigest);
      return { shape, requestIdHeader, headerLines: headerLines(shape, added), created: -1, paramsHead: '' };
    };
    if (!Object.isFrozen(added)) return build();
    let variants = prepared.get(added);
    if (variants === undefined) prepared.set(added, (variants = []));
    const slot = (withQuery ? 1 : 0) | (withDigest ? 2 : 0);
    let p = variants[slot];
    // One identity reached through listeners with other request-ID headers: the latest wins.
    if (p === undefined || p.requestIdHeader !== requestIdHeader) variants[slot] = p = build();
    return p;
  }

  function sign(input: SignInput): SignedHeaders {
    const { added, requestIdHeader, requestId } = input;
    // An empty string is no query at all: the upstream sees no `?`, so @query must not be covered.
    const query = input.query === '' ? undefined : input.query;
    if (added.length % 2 !== 0) throw new TypeError('added must hold name/value pairs');
    if ((requestIdHeader === undefined) !== (requestId === undefined)) throw new TypeError('requestIdHeader and requestId go together');
    const digest = input.contentDigest;
    if (digest !== undefined && input.unsignedBody === true) throw new TypeError('a body is either digested or unsigned');
    const created = Math.floor((input.now ?? Date.now()) / 1000);

    const p = prepare(added, query !== undefined, requestIdHeader, digest !== undefined);
    if (p.created !== created) {
      p.created = created;
      p.paramsHead = `${p.shape.coveredList};created=${created}${paramSuffix};expires=${created + expiresIn};nonce="`;
    }
    // Parameter values are base64url (nonce) and fixed tokens: no escaping needed.
    let params = `${p.paramsHead}${nextNonce()}"`;
    if (input.unsignedBody === true) params += `;tag="${UNSIGNED_BODY_TAG}"`;

    // Node's HTTP parser and header validation reject CR/LF, so no value can forge a base line.
    let base = `"@method": ${input.method}\n"@authority": ${input.authority.toLowerCase()}\n"@path": ${input.path === '' ? '/' : input.path}\n`;
    if (query !== undefined) base += `"@query": ${query}\n`;
    base += p.headerLines;
    if (requestId !== undefined) base += `${p.shape.requestIdPrefix}${requestId}\n`;
    if (digest !== undefined) base += `${CONTENT_DIGEST_LINE}${digest}\n`;
    base += `"@signature-params": ${params}`;

    return {
      signatureInput: `${SIGNATURE_LABEL}=${params}`,
      signature: `${SIGNATURE_LABEL}=:${signBase(base).toString('base64')}:`,
    };
  }

  return { alg: cfg.alg, keyId: cfg.keyId, sign };
}

function buildShape(added: readonly string[], withQuery: boolean, requestIdHeader: string | undefined, withDigest: boolean): Shape {
  const names: string[] = [];
  const slotOf: number[] = [];
  for (let i = 0; i < added.length; i += 2) {
    const name = added[i]!.toLowerCase();
    let slot = names.indexOf(name);
    if (slot === -1) slot = names.push(name) - 1;
    slotOf.push(slot);
  }
  const idName = requestIdHeader?.toLowerCase();
  // The ID header is never among the identity headers: config refuses a gateway-set name for it.
  if (idName !== undefined && names.includes(idName)) throw new TypeError(`${idName} is both an added header and the request-ID header`);
  if (withDigest && (names.includes('content-digest') || idName === 'content-digest')) throw new TypeError("content-digest is the gateway's own");
  const covered = [
    '@method',
    '@authority',
    '@path',
    ...(withQuery ? ['@query'] : []),
    ...names,
    ...(idName === undefined ? [] : [idName]),
    ...(withDigest ? ['content-digest'] : []),
  ];
  return {
    coveredList: signatureParamsValue(covered, []),
    linePrefixes: names.map((n) => `${componentIdentifier(n)}: `),
    slots: names.length === slotOf.length ? null : slotOf,
    requestIdPrefix: idName === undefined ? '' : `${componentIdentifier(idName)}: `,
  };
}

function headerLines(shape: Shape, added: readonly string[]): string {
  let out = '';
  if (shape.slots === null) {
    for (let i = 0; i < shape.linePrefixes.length; i++) out += `${shape.linePrefixes[i]}${trimOws(added[2 * i + 1]!)}\n`;
    return out;
  }
  // A repeated name is one component whose value joins the field lines with ", " (RFC 9421 2.1).
  const values: string[][] = shape.linePrefixes.map(() => []);
  for (let i = 0; i < shape.slots.length; i++) values[shape.slots[i]!]!.push(trimOws(added[2 * i + 1]!));
  for (let i = 0; i < values.length; i++) out += `${shape.linePrefixes[i]}${values[i]!.join(', ')}\n`;
  return out;
}

// Only SP and HTAB are optional whitespace (RFC 9110 5.6.3); checked first to skip the regex.
function trimOws(v: string): string {
  const first = v.charCodeAt(0);
  const last = v.charCodeAt(v.length - 1);
  if (first !== 32 && first !== 9 && last !== 32 && last !== 9) return v;
  return v.replace(/^[ \t]+|[ \t]+$/g, '');
}
