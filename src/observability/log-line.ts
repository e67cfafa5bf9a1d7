// Writes a line whose fields are already JSON through a pino logger's own destination, with the
// level, time and bindings pino itself would put first, so that the line reads like any other and
// keeps its order among them. For lines written per request, where pino's per-call object walk
// and redaction cost more than the request's own work. The fields must not need redacting.
import { pino, type Logger } from 'pino';

const INFO = 30;

interface PinoInternals {
  readonly [pino.symbols.lsCacheSym]: { readonly [INFO]: string };
  readonly [pino.symbols.timeSym]: () => string;
  readonly [pino.symbols.chindingsSym]: string;
  readonly [pino.symbols.endSym]: string;
  readonly [pino.symbols.streamSym]: { write(line: string): unknown };
}

/** `fields`: `,"key":value` pairs, already JSON. The caller checks the level first. */
export function writeInfoLine(logger: Logger, fields: string): void {
  const p = logger as unknown as PinoInternals;
  const s = pino.symbols;
  p[s.streamSym].write(p[s.lsCacheSym][INFO] + p[s.timeSym]() + p[s.chindingsSym] + fields + p[s.endSym]);
}
