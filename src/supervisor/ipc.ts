// Messages between the supervisor and its workers (node:cluster IPC). Every message carries
// `cg` so that prom-client's or Node's own cluster messages are never mistaken for ours.

/** worker -> supervisor */
export type WorkerMessage =
  | { readonly cg: 'hello' }
  | { readonly cg: 'ready' }
  | { readonly cg: 'failed'; readonly message: string }
  | { readonly cg: 'metrics'; readonly id: number; readonly data: unknown };

/** supervisor -> worker; `handle` travels as the message's send handle. */
export type SupervisorMessage =
  | { readonly cg: 'handle'; readonly listener: string }
  | { readonly cg: 'start'; readonly generation: number }
  | { readonly cg: 'metrics'; readonly id: number }
  | { readonly cg: 'drain'; readonly timeoutMs: number };

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { cg?: unknown }).cg === 'string';
}

export const isSupervisorMessage = isWorkerMessage as (m: unknown) => m is SupervisorMessage;
