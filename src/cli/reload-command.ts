// `certgate reload`: SIGHUP to the supervisor named by --pid or by the config's `pidFile`. Only
// the pidFile key is read (the YAML, not the whole config): a config being edited may not load,
// and the supervisor reports that itself.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { readPidFile } from '../supervisor/pid-file.js';

export function sendReload(configFile: string | undefined, pidArg: string | undefined): number {
  let pid: number | undefined;
  let from: string;
  if (pidArg !== undefined) {
    from = pidArg;
    pid = /^\d+$/.test(pidArg) ? Number(pidArg) : readPidFile(resolve(pidArg));
  } else if (configFile !== undefined) {
    const pidFile = pidFileOf(configFile);
    if (pidFile === undefined) {
      process.stderr.write(`certgate reload: ${configFile} has no pidFile key; give --pid\n`);
      return 1;
    }
    from = pidFile;
    pid = readPidFile(pidFile);
  } else {
    process.stderr.write('certgate reload: give --config FILE (with a pidFile key) or --pid PIDFILE|PID\n');
    return 1;
  }
  if (pid === undefined || pid <= 1) {
    process.stderr.write(`certgate reload: no pid in ${from}\n`);
    return 1;
  }
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    process.stderr.write(`certgate reload: cannot signal pid ${pid}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`);
    return 1;
  }
  process.stdout.write(`certgate reload: sent SIGHUP to ${pid}; the gateway logs the outcome\n`);
  return 0;
}

function pidFileOf(configFile: string): string | undefined {
  try {
    const value: unknown = parseDocument(readFileSync(configFile, 'utf8')).get('pidFile');
    if (typeof value !== 'string' || value === '') return undefined;
    return isAbsolute(value) ? value : resolve(dirname(configFile), value);
  } catch {
    return undefined;
  }
}
