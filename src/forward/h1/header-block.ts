// Header fields the gateway adds to every request of a connection (forwarding, identity and
// upstream-auth headers), serialised and checked once and then appended to each request head as
// one string: the per-request cost of a 2 KiB certificate header is a reference, not a re-encode.
import { fieldProblem } from './http-chars.js';

export interface HeaderBlock {
  /** `name: value` CRLF per field, in order */
  readonly text: string;
  /** why the block may not be sent (a field that would break the head), checked once */
  readonly problem: string | undefined;
}

export const EMPTY_HEADER_BLOCK: HeaderBlock = Object.freeze({ text: '', problem: undefined });

/** A block from a flat [name, value, ...] list. */
export function headerBlock(fields: readonly string[]): HeaderBlock {
  let text = '';
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const problem = fieldProblem(name, value);
    if (problem !== undefined) return { text: '', problem };
    text += name + ': ' + value + '\r\n';
  }
  return { text, problem: undefined };
}

/** `a` then `b`. */
export function joinHeaderBlocks(a: HeaderBlock, b: HeaderBlock): HeaderBlock {
  if (a.problem !== undefined) return a;
  if (b.problem !== undefined) return b;
  return { text: a.text + b.text, problem: undefined };
}
