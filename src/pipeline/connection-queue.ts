// Pipelined requests on one connection are forwarded one at a time, in order, as nginx does
// (RFC 9112 section 9.3.2 only requires the responses to be in order; forwarding them all at once
// let one connection occupy a whole upstream pool, issue 7 finding 2).
//
// Node's HTTP server emits 'request' for every pipelined request it has parsed, at once, but it
// attaches a response to the socket only when the previous response has finished, and announces
// that with the response's 'socket' event. That is the queue: a request whose response has no
// socket yet waits for its 'socket' event. A connection that does not pipeline allocates nothing
// here (the fast path is one null check).
//
// Bounds: past `depth` waiting requests the socket is paused (as Node itself pauses it for unread
// responses), so a pipelining client is slowed down, never refused. Node parses the rest of the read
// it is in, so one read can add more. When the client leaves, waiting requests are never started:
// they are dropped, counted in one log line per connection, not in the access log (they got no
// answer and reached no upstream). While reading is paused the departure shows at the next write
// to the client, so at most the request after the active one may still be forwarded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

// eslint-disable-next-line @typescript-eslint/unbound-method -- always called as socketResume.call(socket)
const socketResume = Socket.prototype.resume;

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One per listener. */
export interface PipelineQueue {
  readonly depth: number;
  /** the client left with `count` requests still waiting */
  readonly dropped: (socket: Socket, count: number) => void;
}

interface ConnectionQueueState {
  readonly queue: PipelineQueue;
  /** what a waiting request is handed to when its turn comes */
  readonly start: RequestHandler;
  waiting: number;
  paused: boolean;
}

const kQueue = Symbol('certgate.pipeline');

/** `_paused` is set by Node's server when it pauses reading for unsent responses (lib/_http_server.js). */
type HttpSocket = Socket & { _paused?: boolean; [kQueue]?: ConnectionQueueState };

/**
 * True when `res` is the connection's current response, so the request may start now. Otherwise
 * the request waits for its turn and is handed to `start` then (or never, if the client leaves
 * first).
 */
export function isCurrentRequest(req: IncomingMessage, res: ServerResponse, queue: PipelineQueue, start: RequestHandler): boolean {
  if (res.socket !== null) return true;
  const socket = req.socket as HttpSocket;
  let state = socket[kQueue];
  if (state === undefined) {
    state = { queue, start, waiting: 0, paused: false };
    socket[kQueue] = state;
    socket.once('close', onConnectionClose);
    // Node resumes the socket whenever a request is read or dumped (IncomingMessage._read, and
    // after every response); while this queue is full, only the queue may resume it.
    socket.resume = resumeUnlessQueueFull;
  }
  state.waiting++;
  res.on('socket', onTurn);
  if (state.waiting >= queue.depth) {
    // Stops reading the socket (Node's server turns the 'pause' event into readStop). Not Node's
    // own parser pause: that one fails the rest of a read already being parsed with a 400.
    state.paused = true;
    socket.pause();
  }
  return false;
}

function onTurn(this: ServerResponse, sock: Socket): void {
  const socket = sock as HttpSocket;
  const state = socket[kQueue]!;
  state.waiting--;
  if (socket.destroyed || !socket.writable) return; // the client has gone: nothing more is forwarded
  if (state.paused && state.waiting < state.queue.depth) {
    state.paused = false;
    if (socket._paused !== true) socket.resume(); // else Node resumes it once its responses drain
  }
  state.start(this.req, this);
}

function resumeUnlessQueueFull(this: HttpSocket): HttpSocket {
  if (this[kQueue]!.paused) return this;
  return socketResume.call(this);
}

function onConnectionClose(this: HttpSocket): void {
  const state = this[kQueue]!;
  if (state.waiting > 0) state.queue.dropped(this, state.waiting);
}
