import type { TriggerError } from '@fixlify/contracts';

export type InboundErrorCode = TriggerError['error'];

/** The one error type of inbound triggers: a string code the HTTP layer maps to a status. */
export class InboundTriggerError extends Error {
  constructor(
    readonly code: InboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InboundTriggerError';
  }
}

export const httpStatusOf = (code: InboundErrorCode): number => {
  switch (code) {
    case 'signature_missing':
    case 'signature_malformed':
    case 'signature_stale':
    case 'signature_mismatch':
      return 401;
    case 'replayed':
      return 409;
    case 'not_found':
      return 404;
    case 'invalid_body':
    case 'invalid_path':
      return 400;
    case 'body_too_large':
      return 413;
    case 'method_not_allowed':
      return 405;
    case 'unavailable':
      return 503;
  }
};
