import { CHANNEL_ERROR_CODES, ChannelError } from '@fixlify/channels';
import { isStepErrorCode, type StepErrorCode } from '@fixlify/contracts';
import { WORKFLOW_ERROR_CODES, WorkflowEngineError } from '@fixlify/workflow';
import { errorOf, stepError } from './step-error';

describe('the codes thrown into steps', () => {
  it('are all step error codes (the engine, the channels, an unopenable secret)', () => {
    // typed: a code added to either list without adding it to STEP_ERROR_CODES fails to compile here
    const thrown: readonly StepErrorCode[] = [...WORKFLOW_ERROR_CODES, ...CHANNEL_ERROR_CODES, 'secret_unreadable'];
    expect(thrown.filter((c) => !isStepErrorCode(c))).toEqual([]);
  });
});

describe('errorOf', () => {
  it("keeps a thrown error's own code of the set", () => {
    expect(errorOf(new WorkflowEngineError('loop_items_invalid', 'not a list'), 'definition_invalid')).toEqual({
      code: 'loop_items_invalid',
      message: 'not a list',
      retryable: false,
    });
    expect(errorOf(new ChannelError('timeout', 'slow', { retryable: true }), 'action_error', true)).toEqual({
      code: 'timeout',
      message: 'slow',
      retryable: true,
    });
    expect(errorOf(Object.assign(new Error('does not open'), { code: 'secret_unreadable' }), 'action_error').code).toBe('secret_unreadable');
  });

  it('uses the fallback for an error without a code', () => {
    expect(errorOf(new Error('boom'), 'action_error')).toEqual({ code: 'action_error', message: 'boom', retryable: false });
    expect(errorOf('plain', 'definition_invalid')).toEqual({ code: 'definition_invalid', message: 'plain', retryable: false });
    expect(errorOf(null, 'action_error')).toEqual({ code: 'action_error', message: 'null', retryable: false });
  });

  it('keeps a foreign code in the message, under the fallback code', () => {
    expect(errorOf(Object.assign(new Error('duplicate key value'), { code: '23505' }), 'action_error')).toEqual({
      code: 'action_error',
      message: '23505: duplicate key value',
      retryable: false,
    });
  });

  it('bounds the message', () => {
    expect(errorOf(new Error('x'.repeat(5000)), 'action_error').message).toHaveLength(2000);
    expect(errorOf(Object.assign(new Error('x'.repeat(5000)), { code: 'E'.repeat(300) }), 'action_error').message).toHaveLength(2000);
  });
});

describe('stepError', () => {
  it('is not retryable unless said', () => {
    expect(stepError('node_missing', 'gone')).toEqual({ code: 'node_missing', message: 'gone', retryable: false });
    expect(stepError('delivery_in_progress', 'busy', true).retryable).toBe(true);
  });
});
