import { isStepErrorCode, type StepError, type StepErrorCode } from '@fixlify/contracts';

/** A step error as the executor writes it: its code is one of the closed set (STEP_ERROR_CODES). */
export type StepFailure = Omit<StepError, 'code'> & { code: StepErrorCode };

export const stepError = (code: StepErrorCode, message: string, retryable = false): StepFailure => ({ code, message, retryable });

/**
 * The step error of something thrown: its own code where it carries one of the set (the engine's
 * WorkflowEngineError, a ChannelError, an unopenable secret), else `fallback`. A code from outside
 * the set (a PostgreSQL SQLSTATE, a Node error code) is kept at the start of the message, as
 * upgradeStepError reads the results written before the set was closed.
 */
export const errorOf = (e: unknown, fallback: StepErrorCode, retryable = false): StepFailure => {
  const own = (e as { code?: unknown } | null | undefined)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (isStepErrorCode(own)) return { code: own, message: message.slice(0, 2000), retryable };
  if (typeof own === 'string') return { code: fallback, message: `${own.slice(0, 100)}: ${message}`.slice(0, 2000), retryable };
  return { code: fallback, message: message.slice(0, 2000), retryable };
};
