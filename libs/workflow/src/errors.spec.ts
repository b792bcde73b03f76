import { TemplateError, WorkflowEngineError, isWorkflowEngineError } from './errors';

describe('WorkflowEngineError', () => {
  it('carries a code and is never retryable', () => {
    const e = new WorkflowEngineError('delay_time_invalid', 'bad time');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('delay_time_invalid');
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('bad time');
    expect(isWorkflowEngineError(e)).toBe(true);
    expect(isWorkflowEngineError(new Error('x'))).toBe(false);
  });

  it('TemplateError is a WorkflowEngineError with a template code', () => {
    const e = new TemplateError('template_invalid', 'unclosed tag');
    expect(e).toBeInstanceOf(WorkflowEngineError);
    expect(e.name).toBe('TemplateError');
    expect(e.code).toBe('template_invalid');
  });
});
