// Types for revocation-crl-builder.mjs, so the tests that build CRLs with it are type-checked.
import type { KeyObject } from 'node:crypto';

export const REASON: Readonly<Record<'unspecified' | 'keyCompromise' | 'cACompromise' | 'superseded' | 'certificateHold' | 'removeFromCRL', number>>;
export type ReasonName = keyof typeof REASON;

export interface CrlEntry {
  readonly serial: bigint | Buffer;
  readonly date?: Date;
  readonly reason?: ReasonName | undefined;
}

export interface BuildCrlOptions {
  readonly issuerName: Buffer;
  readonly key: KeyObject;
  readonly entries?: readonly CrlEntry[];
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date | null;
  readonly crlNumber?: bigint;
  readonly deltaBase?: bigint;
  readonly authorityKeyId?: Buffer;
  readonly idp?: Buffer;
  readonly extraExtensions?: readonly Buffer[];
  readonly tamper?: 'signature';
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer;
export function integer(value: bigint | Uint8Array): Buffer;
export function buildCrl(opts: BuildCrlOptions): Buffer;
/** `count` distinct pseudo-random 16-byte serials, deterministic for a seed. */
export function serials(count: number, seed?: number): bigint[];
