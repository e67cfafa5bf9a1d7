// `listeners[].requestId`: the header that carries each request's ID (src/pipeline/request-id.ts).
import type { ConfigSection } from './config-section.js';
import { GATEWAY_FIXED_HEADERS, headerNameProblem } from './header-names.js';
import { isAlwaysOwnedHeader } from '../headers/sanitize-headers.js';
import type { RequestIdConfig } from './types.js';

const DEFAULT_REQUEST_ID: RequestIdConfig = Object.freeze({ header: 'X-Request-Id', trustIncoming: false });

// Headers whose meaning the gateway or the upstream already relies on: carrying an ID in one
// would strip the client's credential or body description, or overwrite the gateway's answer.
const MEANINGFUL = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'content-type',
  'content-encoding',
  'content-range',
  'cache-control',
  'location',
  'www-authenticate',
  'allow',
  'expect',
  'date',
]);

export function readRequestId(parent: ConfigSection): RequestIdConfig | undefined {
  if (!parent.has('requestId')) return DEFAULT_REQUEST_ID;
  const s = parent.section('requestId', ['header', 'trustIncoming']);
  if (!s) return undefined;
  const header = s.string('header') ?? DEFAULT_REQUEST_ID.header;
  const trustIncoming = s.boolean('trustIncoming') ?? DEFAULT_REQUEST_ID.trustIncoming;
  const problem = requestIdHeaderProblem(header);
  if (problem !== undefined) {
    s.error('header', problem);
    return undefined;
  }
  return Object.freeze({ header, trustIncoming });
}

function requestIdHeaderProblem(header: string): string | undefined {
  const problem = headerNameProblem(header);
  if (problem !== undefined) return problem;
  const lower = header.toLowerCase();
  if (isAlwaysOwnedHeader(header) || GATEWAY_FIXED_HEADERS.some((h) => h.toLowerCase() === lower)) {
    return `'${header}' is a header the gateway sets itself and cannot carry the request ID`;
  }
  if (MEANINGFUL.has(lower)) return `'${header}' already has a meaning for the gateway or the upstream and cannot carry the request ID`;
  return undefined;
}
