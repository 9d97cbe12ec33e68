import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError } from '@punchcard/domain';
import { isDatabaseUnavailable } from '@punchcard/postgres';
import { DOMAIN_ERROR_STATUS } from './domain-error-status';

/** RFC 9457 problem details, with a stable machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; messages: string[] }[];
}

/** An error the API raises on purpose, with its stable code. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    detail: string,
    readonly extra: Partial<Problem> = {},
    /** Response headers that go with the problem (e.g. Retry-After of a 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail, status);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return { type: `https://punchcard.dev/problems/${code}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra };
}

/** Seconds a 503 answer asks the client to wait (`Retry-After`) unless the code that refused set its own. */
export const RETRY_AFTER_SECONDS = 1;

/** Maps anything thrown while serving a request to the problem the client sees (pure: the filter logs 5xx). */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) return problem(DOMAIN_ERROR_STATUS[error.code], error.code, error.message);
  if (error instanceof ApiError) return problem(error.getStatus(), error.code, error.message, error.extra);
  // Errors from Express's body parser carry a `type`; Nest wraps them in an HttpException (as its cause).
  const bodyError = ((error as { cause?: unknown })?.cause ?? error) as { type?: string };
  if (bodyError?.type === 'entity.parse.failed') return problem(400, 'malformed_json', 'The request body is not valid JSON.');
  if (bodyError?.type === 'entity.too.large') return problem(413, 'payload_too_large', 'The request body is too large.');
  if (bodyError?.type === 'charset.unsupported' || bodyError?.type === 'encoding.unsupported') {
    return problem(415, 'unsupported_encoding', 'The request body encoding is not supported.');
  }
  if (isDatabaseUnavailable(error)) {
    return problem(503, 'database_unavailable', 'The database is unavailable or too slow right now; nothing was changed. Retry after the number of seconds in the Retry-After header.');
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === HttpStatus.NOT_FOUND) return problem(404, 'route_not_found', 'No such endpoint.');
    if (status < 500) return problem(status, `http_${status}`, error.message);
  }
  return problem(500, 'internal_error', 'An unexpected error occurred; it has been logged.');
}
