/**
 * The one error type of the workflow engine. Every failure has a string code so callers can map it
 * (retry, fail the step, HTTP 422) with an exhaustive switch. None of them is retryable: they come
 * from the workflow definition or its data, and running the same step again gives the same result.
 */
export const WORKFLOW_ERROR_CODES = [
  'template_invalid',
  'template_render_failed',
  'template_output_too_large',
  'delay_time_invalid',
  'cron_invalid',
  'timezone_invalid',
  'quiet_hours_invalid',
  'loop_items_invalid',
  'max_steps_exceeded',
  'walker_state_invalid',
] as const;
export type WorkflowErrorCode = (typeof WORKFLOW_ERROR_CODES)[number];

export class WorkflowEngineError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: WorkflowErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WorkflowEngineError';
  }
}

export type TemplateErrorCode = Extract<WorkflowErrorCode, `template_${string}`>;

export class TemplateError extends WorkflowEngineError {
  constructor(
    override readonly code: TemplateErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'TemplateError';
  }
}

export const isWorkflowEngineError = (e: unknown): e is WorkflowEngineError => e instanceof WorkflowEngineError;
