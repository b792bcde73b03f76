/** The API's one error type: a string code the client can switch on, mapped to an HTTP status. */
export type ApiErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'invalid_workflow'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** sent as Retry-After (429, 503) */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const httpStatusOf = (code: ApiErrorCode): number => {
  switch (code) {
    case 'bad_request':
    case 'validation_failed':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'too_many_requests':
      return 429;
    case 'invalid_workflow':
      return 422;
    case 'unavailable':
      return 503;
    case 'internal_error':
      return 500;
  }
};

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export const notFound = (what: string): ApiError => new ApiError('not_found', `${what} not found`);

/** 429 with a Retry-After of at least one second. */
export const tooManyRequests = (message: string, retryAfterMs: number): ApiError =>
  new ApiError('too_many_requests', message, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) }, Math.max(1, Math.ceil(retryAfterMs / 1000)));
