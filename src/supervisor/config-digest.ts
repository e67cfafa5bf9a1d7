// Content hashes of the config file and every file it names: what the reload watch compares
// (an inotify event alone says nothing; Kubernetes' ..data swap fires several for one change)
// and what the config info metric shows.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { GatewayConfig } from '../config/types.js';

export type FileHashes = ReadonlyMap<string, string>;

/** The files a reload depends on: the config file and each file it names, CRLs excepted. */
export function watchedFiles(configPath: string, config: GatewayConfig | undefined): string[] {
  const files = new Set<string>([configPath]);
  for (const f of config?.files ?? []) if (f.watch) files.add(f.path);
  return [...files];
}

/** SHA-256 of each file's content ('' for a file that cannot be read right now). */
export async function hashFiles(paths: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    paths.map(async (p) => {
      try {
        out.set(
          p,
          createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
        );
      } catch {
        out.set(p, '');
      }
    }),
  );
  return out;
}

/** One SHA-256 for a whole config: over each file's path and hash, in path order. */
export function configDigest(hashes: FileHashes): string {
  const h = createHash('sha256');
  for (const p of [...hashes.keys()].sort()) h.update(`${p}\0${hashes.get(p)}\n`);
  return h.digest('hex');
}

export function sameHashes(a: FileHashes, b: FileHashes): boolean {
  if (a.size !== b.size) return false;
  for (const [p, h] of a) if (b.get(p) !== h) return false;
  return true;
}
