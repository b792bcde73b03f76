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
  | 'unavailable'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
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
