import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from './express-types';
import type { Logger } from '@fixlify/kafka';
import { ApiError, httpStatusOf, type ErrorBody } from './errors';

const codeOfStatus = (status: number): string =>
  status === 400
    ? 'bad_request'
    : status === 401
      ? 'unauthenticated'
      : status === 403
        ? 'forbidden'
        : status === 404
          ? 'not_found'
          : status === 413
            ? 'payload_too_large'
            : status === 415
              ? 'unsupported_media_type'
              : status === 429
                ? 'too_many_requests'
                : status >= 500
                  ? 'internal_error'
                  : 'error';

/** Every error leaves as JSON `{code, message, details?}`; unexpected ones are logged, never echoed. */
export const toErrorResponse = (e: unknown): { status: number; body: ErrorBody; unexpected: boolean; retryAfterSeconds?: number } => {
  if (e instanceof ApiError)
    return {
      status: httpStatusOf(e.code),
      body: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) },
      unexpected: false,
      ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
    };
  if (e instanceof HttpException) {
    const status = e.getStatus();
    return { status, body: { code: codeOfStatus(status), message: status === 404 ? 'no such route' : e.message }, unexpected: status >= 500 };
  }
  // body-parser errors (malformed JSON, too large) carry a status and an expose flag
  const err = e as { status?: unknown; expose?: unknown; type?: unknown; message?: unknown };
  if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    const message =
      err.type === 'entity.parse.failed'
        ? 'the request body is not valid JSON'
        : typeof err.message === 'string' && err.expose === true
          ? err.message
          : 'bad request';
    return { status: err.status, body: { code: codeOfStatus(err.status), message }, unexpected: false };
  }
  return { status: 500, body: { code: 'internal_error', message: 'internal error' }, unexpected: true };
};

@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body, unexpected, retryAfterSeconds } = toErrorResponse(e);
    if (unexpected) this.log.error({ err: e }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (retryAfterSeconds !== undefined) res.setHeader('retry-after', String(retryAfterSeconds));
    res.status(status).json(body);
  }
}
