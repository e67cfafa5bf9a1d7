// `limits.bodyIdleTimeout`: the longest pause between two chunks of a request body (slowloris
// on the body, finding 4 of issue 7). Armed only for requests that have a body, on the socket's
// own inactivity timer (which every read refreshes), so body-less requests pay nothing. When it
// fires, Node emits the server's 'timeout' event; listener-guards.ts takes it from there.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

const kBodyWatch = Symbol('certgate.bodyWatch');
const kKeepAliveMs = Symbol('certgate.keepAliveMs');

type WatchedSocket = Socket & { [kBodyWatch]?: ServerResponse | undefined; [kKeepAliveMs]?: number };

export function watchBodyIdle(req: IncomingMessage, res: ServerResponse, idleMs: number, keepAliveMs: number): void {
  const socket = req.socket as WatchedSocket;
  socket[kBodyWatch] = res;
  socket[kKeepAliveMs] = keepAliveMs;
  socket.setTimeout(idleMs);
  req.once('end', endBodyWatch);
}

function endBodyWatch(this: IncomingMessage): void {
  const socket = this.socket as WatchedSocket;
  const res = socket[kBodyWatch];
  socket[kBodyWatch] = undefined;
  if (socket.destroyed) return;
  // A response that already finished has set Node's keep-alive timer, which this replaced.
  socket.setTimeout(res?.writableFinished ? (socket[kKeepAliveMs] ?? 0) : 0);
}

/** The response of the request whose body went idle on `socket`, or undefined for any other timeout. */
export function takeIdleBody(socket: Socket): ServerResponse | undefined {
  const s = socket as WatchedSocket;
  const res = s[kBodyWatch];
  s[kBodyWatch] = undefined;
  return res;
}
