export * from './errors';
export { getPath, isSafeKey } from './path';
export { compareOrdered, containsValue, deepEqual, isEmptyValue, looseEquals, toDateMs, toNumber } from './compare';
export { conditionDepth, evaluateCondition, eventScope, explainCondition, matchesTrigger, type FailedCondition } from './condition';
export type { ValidationIssue } from './validation-issue';
export { draftIssues, validateWorkflow, type ValidationResult } from './validate-workflow';
export { MAX_TEMPLATE_LENGTH, MAX_TEMPLATE_OUTPUT, parseTemplate, renderDeep, renderTemplate, templateProblem, type RenderOptions } from './template';
export { formatDateOnly, formatDateTime, formatMoney, safeLocale } from './template-filters';
export {
  LOOP_VAR,
  MAX_STEPS_PER_EXECUTION,
  advance,
  edgeTarget,
  initialContinuation,
  iterationKey,
  loopItems,
  nextAttempt,
  nodeById,
  outcomeKindFor,
  triggerNode,
  type StepOutcome,
} from './walker';
export { DEFAULT_RETRY_POLICY, retryDelayMs, shouldRetry } from './backoff';
export { delayUntil, nextCronOccurrences, occurrenceKey, validateCron, type DelayConfig } from './schedule';
export { quietHoursWindowEnd, type QuietHours } from './quiet-hours';
export { continuationProgress, stepsOfProgress } from './progress';
export { enrollmentExecutionId } from './enrollment';
export { decideStart, decideStartByRule, describeFailure, type DecideOptions, type RuleDecision, type StartDecision, type StartRule } from './start';
export { decideAtTime, explainStart, type FiredOutcome, type KnownExecution, type WorkflowHistory } from './explain';
export { isKeywordRepliesWorkflow, keywordRepliesWorkflow } from './keyword-replies';
