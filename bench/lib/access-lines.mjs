// Counts the access lines in a log file (certgate's stdout, nginx's access log): the check that
// both proxies wrote one line per request, i.e. did the same job.
import { closeSync, openSync, readSync } from 'node:fs';

const MARK = Buffer.from('"event":"access"');

/** Lines containing `"event":"access"`; 0 if the file does not exist. Reads in chunks (files reach 100 MB). */
export function countAccessLines(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    let count = 0;
    let carry = 0; // bytes kept from the previous chunk so that a mark split across chunks is found
    for (;;) {
      const n = readSync(fd, buf, carry, buf.length - carry, null);
      const end = carry + n;
      const chunk = buf.subarray(0, end);
      for (let i = chunk.indexOf(MARK); i !== -1; i = chunk.indexOf(MARK, i + MARK.length)) count++;
      if (n === 0) return count;
      carry = Math.min(MARK.length - 1, end);
      buf.copy(buf, 0, end - carry, end);
    }
  } finally {
    closeSync(fd);
  }
}
