// The reload watch (`reload.watch`): the directory of every watched file, not the file, because
// editors and Kubernetes replace files by rename (a ConfigMap or Secret volume swaps its `..data`
// symlink atomically), which a watch on the old inode never reports. Events are debounced, then
// the files' contents are compared with what the serving config was loaded from.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../observability/logger.js';
import { hashFiles, sameHashes, type FileHashes } from './config-digest.js';

export class ConfigWatch {
  private watchers = new Map<string, FSWatcher>();
  private files: readonly string[] = [];
  private baseline: FileHashes = new Map();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly debounceMs: number,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Watch these files from now on; `baseline` holds the contents the serving config came from. */
  reset(files: readonly string[], baseline: FileHashes): void {
    if (this.closed) return;
    this.files = files;
    this.baseline = baseline;
    const dirs = new Set(files.map((f) => dirname(f)));
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.poke());
        w.on('error', (err) => this.logger.warn({ event: 'watch_failed', dir, err: err.message }, 'config watch failed'));
        this.watchers.set(dir, w);
      } catch (err) {
        this.logger.warn({ event: 'watch_failed', dir, err: (err as Error).message }, 'cannot watch directory; reload by signal or POST /-/reload');
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private poke(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.compare(), this.debounceMs);
  }

  private async compare(): Promise<void> {
    const now = await hashFiles(this.files);
    if (this.closed || sameHashes(now, this.baseline)) return;
    const changed = [...now.keys()].filter((f) => now.get(f) !== this.baseline.get(f));
    this.baseline = now; // a change that fails to load is reported once, not on every event
    this.logger.info({ event: 'config_files_changed', files: changed }, 'watched files changed; reloading');
    this.onChange();
  }
}
