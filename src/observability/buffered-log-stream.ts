// Log lines to a file descriptor, batched like nginx's buffered access log (`buffer=64k
// flush=...`): lines are encoded straight into fixed-size blocks; a full block is written at once,
// asynchronously, and a partly filled one FLUSH_MS after its first line, so a quiet gateway's line
// shows within that, and a busy worker makes one write per block. Writing per event-loop turn
// instead cost about 4 µs a line at 15k lines/s (a thread-pool write for every few lines).
import fs from 'node:fs';

/**
 * To a pipe or socket one write carries at most PIPE_BUF (4096 bytes on Linux) of whole lines: up
 * to that size a write is atomic, so workers sharing the supervisor's stdout never cut into each
 * other's lines (a larger write can be split when the pipe is full). To a regular file the kernel
 * serialises whole writes, and each write has a fixed cost, so blocks are larger there. A line
 * longer than a block goes out alone.
 */
const PIPE_CHUNK_BYTES = 4096;
const FILE_CHUNK_BYTES = 64 * 1024;
/** The longest a line waits in a partly filled block (ms). */
const FLUSH_MS = 50;
/** A destination that says "try again" (a full non-blocking pipe) is retried after this long. */
const RETRY_MS = 10;
/** Synchronous flush gives up on a destination that stays full this long (ms). */
const SYNC_RETRY_LIMIT_MS = 2000;

export class BufferedLogStream {
  private readonly chunkBytes: number;
  /** Lines of the block being filled, as one string: encoded once per block, not once per line. */
  private text = '';
  /** Sealed chunks, oldest first; the first is being written while `writing`. */
  private readonly sealed: Buffer[] = [];
  private writing = false;
  private writeScheduled = false;
  private broken = false;
  private readonly drained: (() => void)[] = [];

  private readonly scheduledWrite = (): void => {
    this.writeScheduled = false;
    this.seal();
    this.startWrite();
  };

  constructor(private readonly fd: number) {
    this.chunkBytes = isRegularFile(fd) ? FILE_CHUNK_BYTES : PIPE_CHUNK_BYTES;
  }

  /** A complete line (newline included); written when its block fills or FLUSH_MS later. */
  write(line: string): boolean {
    if (this.append(line)) this.startWrite();
    if (!this.writeScheduled && this.text.length > 0) {
      this.writeScheduled = true;
      setTimeout(this.scheduledWrite, FLUSH_MS).unref();
    }
    return true;
  }

  /** Writes out everything buffered; `done` is called once it has all reached the descriptor. */
  flush(done?: () => void): void {
    if (done) this.drained.push(done);
    this.seal();
    this.startWrite();
    this.settleIfIdle();
  }

  /**
   * For exits without an event loop turn left. A write already in flight is left to the thread
   * that performs it (it cannot be cancelled or known to be done); everything after it is
   * written here, so a clean stop uses `flush` first and this finds nothing left.
   */
  flushSync(): void {
    this.seal();
    const from = this.writing ? 1 : 0;
    while (this.sealed.length > from && !this.broken) {
      this.writeAllSync(this.sealed[from]!);
      this.sealed.splice(from, 1);
    }
  }

  /** Returns true when a block was sealed (it is written at once). */
  private append(line: string): boolean {
    if (this.broken) return false;
    // Code units, not bytes: a block of ASCII lines fills exactly; one with other characters is
    // larger once encoded, and seal() splits it where the destination needs whole-line writes.
    if (this.text.length + line.length <= this.chunkBytes) {
      this.text += line;
      return false;
    }
    this.seal();
    this.text = line;
    return true;
  }

  private seal(): void {
    if (this.text.length === 0) return;
    const block = Buffer.from(this.text, 'utf8');
    const lines = this.text;
    this.text = '';
    if (block.length <= this.chunkBytes || this.chunkBytes === FILE_CHUNK_BYTES) {
      this.sealed.push(block);
      return;
    }
    // A pipe block that grew past PIPE_BUF when encoded: whole lines, at most PIPE_BUF a write
    // (a single longer line goes alone).
    let piece = '';
    let bytes = 0;
    for (const line of lines.split(/(?<=\n)/)) {
      const n = Buffer.byteLength(line, 'utf8');
      if (bytes > 0 && bytes + n > this.chunkBytes) {
        this.sealed.push(Buffer.from(piece, 'utf8'));
        piece = '';
        bytes = 0;
      }
      piece += line;
      bytes += n;
    }
    if (bytes > 0) this.sealed.push(Buffer.from(piece, 'utf8'));
  }

  /** Writes the sealed blocks; a flush (timer, `flush`) seals the partial one first. */
  private startWrite(): void {
    if (this.writing || this.broken) return;
    const next = this.sealed[0];
    if (next === undefined) return;
    this.writing = true;
    fs.write(this.fd, next, 0, next.length, null, (err, n) => this.written(err, n));
  }

  private written(err: NodeJS.ErrnoException | null, n: number): void {
    this.writing = false;
    if (err) {
      if (err.code === 'EAGAIN') {
        setTimeout(() => this.startWrite(), RETRY_MS).unref();
        return;
      }
      // EPIPE, EBADF...: nobody reads the log any more; keep serving, drop the lines.
      this.stop();
      return;
    }
    const head = this.sealed[0]!;
    if (n < head.length) this.sealed[0] = head.subarray(n);
    else this.sealed.shift();
    // Blocks sealed while this write was in flight go out now; a partial one waits for its timer,
    // unless a flush is waiting for everything.
    if (this.drained.length > 0) this.seal();
    this.startWrite();
    this.settleIfIdle();
  }

  private settleIfIdle(): void {
    if (this.writing || this.sealed.length > 0 || this.text.length > 0) return;
    for (const done of this.drained.splice(0)) done();
  }

  private stop(): void {
    this.broken = true;
    this.sealed.length = 0;
    this.text = '';
    for (const done of this.drained.splice(0)) done();
  }

  private writeAllSync(buf: Buffer): void {
    const giveUpAt = Date.now() + SYNC_RETRY_LIMIT_MS;
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.fd, buf, off, buf.length - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUpAt) return this.stop();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
      }
    }
  }
}

function isRegularFile(fd: number): boolean {
  try {
    return fs.fstatSync(fd).isFile();
  } catch {
    return false; // a closed descriptor: the first write finds out and stops the stream
  }
}
