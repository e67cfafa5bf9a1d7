// Preloaded with `node --import` (NODE_OPTIONS, so cluster workers inherit it): appends the URL of
// every module the process loads to the file named by CERTGATE_MODULE_LOG, one per line. Tests use
// it to assert what a command does NOT load.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// The hooks run on their own thread, which imports this same file; only the main thread registers.
if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  const log = process.env.CERTGATE_MODULE_LOG;
  if (log) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
