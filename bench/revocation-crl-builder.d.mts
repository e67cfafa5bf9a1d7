// Types for revocation-crl-builder.mjs, so the TypeScript tests that build CRLs with it type-check.
import type { KeyObject } from 'node:crypto';

export function tlv(tag: number, ...parts: Uint8Array[]): Buffer;
export function integer(value: bigint | Uint8Array): Buffer;
export const REASON: Readonly<Record<'unspecified' | 'keyCompromise' | 'cACompromise' | 'superseded' | 'certificateHold' | 'removeFromCRL', number>>;

export interface CrlEntrySpec {
  readonly serial: bigint | Uint8Array;
  readonly date?: Date;
  readonly reason?: keyof typeof REASON;
}

export interface CrlSpec {
  /** The issuer Name as DER. */
  readonly issuerName: Uint8Array;
  /** The issuer's private key (EC or RSA). */
  readonly key: KeyObject;
  readonly entries?: readonly CrlEntrySpec[];
  readonly thisUpdate?: Date;
  /** null: no nextUpdate. */
  readonly nextUpdate?: Date | null;
  readonly crlNumber?: bigint;
  readonly deltaBase?: bigint;
  readonly authorityKeyId?: Uint8Array;
  /** IssuingDistributionPoint DER. */
  readonly idp?: Uint8Array;
  readonly extraExtensions?: readonly Uint8Array[];
  readonly tamper?: 'signature';
}

export function buildCrl(opts: CrlSpec): Buffer;
/** `count` distinct pseudo-random 16-byte serials, deterministic for a seed. */
export function serials(count: number, seed?: number): bigint[];
