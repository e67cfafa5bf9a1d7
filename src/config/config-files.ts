// Reading the files a config names. Paths are relative to the config file; the message names the
// resolved path so an operator sees which file was meant. File contents never reach a message.
import { readFileSync, statSync } from 'node:fs';
import { reportError, resolveConfigPath, type LoadContext, type YamlValue } from './load-context.js';

/** Largest file certgate reads from a config (CRLs of large CAs run to tens of MB). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface LoadedFile {
  readonly path: string;
  readonly data: Buffer;
}

export function readConfiguredFile(ctx: LoadContext, node: YamlValue, key: string, configured: string, what: string): LoadedFile | undefined {
  const path = resolveConfigPath(ctx, configured);
  try {
    const st = statSync(path);
    if (!st.isFile()) {
      reportError(ctx, node, key, `${what} ${path} is not a regular file`);
      return undefined;
    }
    if (st.size > MAX_FILE_BYTES) {
      reportError(ctx, node, key, `${what} ${path} is larger than ${MAX_FILE_BYTES} bytes`);
      return undefined;
    }
    const data = readFileSync(path);
    // CRL files keep their own in-place refresh (revocation.crl.refresh), so no reload for them.
    ctx.filesRead?.push({ path, watch: what !== 'CRL file' });
    return { path, data };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permission denied)' : `cannot be read (${code ?? 'error'})`;
    reportError(ctx, node, key, `${what} ${path} ${why}`);
    return undefined;
  }
}

export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
  /** The block's text, armour included. */
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    out.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), text: m[0] });
  }
  return out;
}

/** DER files start with a SEQUENCE tag; PEM files are text. */
export function looksLikeDer(data: Buffer): boolean {
  return data.length > 2 && data[0] === 0x30 && !data.subarray(0, 64).toString('latin1').includes('-----BEGIN');
}
