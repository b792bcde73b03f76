import * as workflow from './index';

describe('@fixlify/workflow public API', () => {
  it('exposes the engine from index.ts', () => {
    for (const name of [
      'validateWorkflow',
      'evaluateCondition',
      'matchesTrigger',
      'eventScope',
      'renderTemplate',
      'renderDeep',
      'initialContinuation',
      'advance',
      'nodeById',
      'iterationKey',
      'retryDelayMs',
      'shouldRetry',
      'nextCronOccurrences',
      'validateCron',
      'occurrenceKey',
      'delayUntil',
      'quietHoursWindowEnd',
      'TemplateError',
      'WorkflowEngineError',
    ]) {
      expect(typeof (workflow as Record<string, unknown>)[name]).toBe('function');
    }
    expect(workflow.MAX_STEPS_PER_EXECUTION).toBe(1000);
  });
});
