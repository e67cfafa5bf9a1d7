// Typed errors with stable codes. Callers branch on `code`, never on message text.
// GATEWAY_ERRORS is the one table of what each gateway code answers (as fastify's createError
// keeps the status beside the code); src/pipeline/error-response.ts only writes it out.

/** The base of certgate's own errors: a stable `code` that logs, metrics, clients and tests rely on. */
export class CertgateError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertgateError';
    this.code = code;
  }
}

interface ErrorAnswer {
  readonly status: number;
  /** The body's `error` member. */
  readonly error: string;
}

/**
 * Each gateway error code with the HTTP status and body `error` it answers. The certificate rows
 * answer `invalid_client`, as RFC 8705 section 2 has the authorization server answer.
 */
const GATEWAY_ERRORS = {
  CLIENT_CERT_REQUIRED: { status: 401, error: 'invalid_client' },
  CLIENT_CERT_INVALID: { status: 401, error: 'invalid_client' },
  CLIENT_CERT_REVOKED: { status: 401, error: 'invalid_client' },
  REVOCATION_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable' },
  CLIENT_NOT_ALLOWED: { status: 403, error: 'invalid_client' },
  TOKEN_REQUIRED: { status: 401, error: 'invalid_request' },
  TOKEN_INVALID: { status: 401, error: 'invalid_token' },
  TOKEN_BINDING_MISMATCH: { status: 401, error: 'invalid_token' },
  TOKEN_VERIFICATION_UNAVAILABLE: { status: 503, error: 'temporarily_unavailable' },
  NO_ROUTE: { status: 404, error: 'not_found' },
  MISDIRECTED_REQUEST: { status: 421, error: 'misdirected_request' },
  BAD_REQUEST: { status: 400, error: 'invalid_request' },
  METHOD_NOT_ALLOWED: { status: 405, error: 'invalid_request' },
  REQUEST_TIMEOUT: { status: 408, error: 'invalid_request' },
  HEADERS_TOO_LARGE: { status: 431, error: 'invalid_request' },
  BODY_TOO_LARGE: { status: 413, error: 'invalid_request' },
  UPSTREAM_BUSY: { status: 503, error: 'temporarily_unavailable' },
  UPSTREAM_UNAVAILABLE: { status: 502, error: 'bad_gateway' },
  UPSTREAM_TIMEOUT: { status: 504, error: 'gateway_timeout' },
  INTERNAL_ERROR: { status: 500, error: 'server_error' },
} as const satisfies Readonly<Record<string, ErrorAnswer>>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** A request the gateway refuses or cannot complete; answered by its row in GATEWAY_ERRORS. */
export class GatewayError extends CertgateError<GatewayErrorCode> {
  /** HTTP status of the answer. */
  readonly status: number;
  /** The body's `error` member (an OAuth-style error code). */
  readonly oauthError: string;
  /** Safe to show to the client. */
  readonly description: string;
  /** `Allow` header value sent with a 405. */
  readonly allow: string | undefined;
  /** `WWW-Authenticate` header value sent with a 401 (RFC 6750 section 3). */
  readonly challenge: string | undefined;

  constructor(code: GatewayErrorCode, description: string, options?: { cause?: unknown; allow?: string; challenge?: string }) {
    super(code, `${code}: ${description}`, options);
    this.name = 'GatewayError';
    const answer: ErrorAnswer = GATEWAY_ERRORS[code];
    this.status = answer.status;
    this.oauthError = answer.error;
    this.description = description;
    this.allow = options?.allow;
    this.challenge = options?.challenge;
  }
}

/** A config file problem; `issues` holds every problem found, not just the first. */
export class ConfigError extends CertgateError<'CONFIG_INVALID'> {
  readonly issues: readonly import('./config/types.js').ConfigIssue[];

  constructor(issues: readonly import('./config/types.js').ConfigIssue[]) {
    super('CONFIG_INVALID', issues.map(formatConfigIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatConfigIssue(i: import('./config/types.js').ConfigIssue): string {
  const where = i.line !== undefined ? `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}` : i.file;
  return `${where}: ${i.key}: ${i.message}`;
}
