// Typed errors with stable codes. Callers branch on `code`, never on message text.
// The mapping to HTTP status and JSON body lives in src/pipeline/error-response.ts.

export type GatewayErrorCode =
  | 'CLIENT_CERT_REQUIRED'
  | 'CLIENT_CERT_INVALID'
  | 'CLIENT_CERT_REVOKED'
  | 'REVOCATION_UNAVAILABLE'
  | 'CLIENT_NOT_ALLOWED'
  | 'TOKEN_BINDING_MISMATCH'
  | 'NO_ROUTE'
  | 'BAD_REQUEST'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'UPSTREAM_BUSY'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'INTERNAL_ERROR';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  /** Safe to show to the client. */
  readonly description: string;
  /** `Allow` header value sent with a 405. */
  readonly allow: string | undefined;

  constructor(code: GatewayErrorCode, description: string, options?: { cause?: unknown; allow?: string }) {
    super(`${code}: ${description}`, options);
    this.name = 'GatewayError';
    this.code = code;
    this.description = description;
    this.allow = options?.allow;
  }
}

/** A config file problem; `issues` holds every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly issues: readonly import('./config/types.js').ConfigIssue[];

  constructor(issues: readonly import('./config/types.js').ConfigIssue[]) {
    super(issues.map(formatConfigIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatConfigIssue(i: import('./config/types.js').ConfigIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : i.file;
  return `${where}: ${i.key}: ${i.message}`;
}
