import { executionId, type DomainEvent, type NoStartReason, type PublishedWorkflow, type RunnableStart, type StartOrigin } from '@fixlify/contracts';
import { evaluateCondition, explainCondition, eventScope, type FailedCondition } from './condition';
import { enrollmentExecutionId } from './enrollment';
import { triggerNode } from './walker';

export type StartDecision = { kind: 'start'; command: RunnableStart } | { kind: 'skip'; reason: NoStartReason; detail: string; failed?: FailedCondition };

export interface DecideOptions {
  /** loop protection: an event caused at this depth or deeper starts nothing */
  maxDepth: number;
  now: Date;
  /** a replay's start: marked as such, and with `force` given ids of its own */
  origin?: StartOrigin;
  /**
   * name the filter leaf that failed, with its value ("why didn't this fire?"); off on the hot paths
   * (matcher, replay scans), which need only the reason and should not walk a failed filter twice
   */
  explain?: boolean;
}

/**
 * Whether one event starts one published workflow, and if not why: the matcher's rule, and the
 * same rule a replay or "why didn't this fire?" runs over history, so the three cannot disagree.
 * Execution ids are deterministic (see enrollmentExecutionId): replaying an event yields the id the
 * live matcher gave it, so what already ran is recognised; a forced replay derives its ids from
 * the replay id instead, so each forced run is new and distinct.
 */
export const decideStart = (w: PublishedWorkflow, ev: DomainEvent, o: DecideOptions): StartDecision => {
  if (ev.organizationId !== w.organizationId) return { kind: 'skip', reason: 'other_organization', detail: 'the event belongs to another organization' };
  if (ev.workflowId && ev.workflowId !== w.workflowId) return { kind: 'skip', reason: 'other_workflow', detail: `the event is for workflow ${ev.workflowId}` };
  if (ev.causation && ev.causation.depth >= o.maxDepth)
    return {
      kind: 'skip',
      reason: 'loop_depth',
      detail: `caused by execution ${ev.causation.executionId} at depth ${ev.causation.depth} (limit ${o.maxDepth})`,
    };
  const trigger = triggerNode(w.definition);
  if (!trigger) return { kind: 'skip', reason: 'no_trigger', detail: 'the workflow has no trigger' };
  if (trigger.trigger.type !== ev.type)
    return { kind: 'skip', reason: 'trigger_type', detail: `the workflow starts on ${trigger.trigger.type}, the event is ${ev.type}` };
  if (trigger.trigger.filter !== undefined) {
    const scope = eventScope(ev);
    if (!evaluateCondition(trigger.trigger.filter, scope)) {
      const failed = o.explain ? explainCondition(trigger.trigger.filter, scope) : null;
      return failed
        ? { kind: 'skip', reason: 'filter', detail: describeFailure(failed), failed }
        : { kind: 'skip', reason: 'filter', detail: 'the trigger filter did not hold' };
    }
  }
  const id = o.origin?.force
    ? executionId(`replay:${o.origin.replayId}`, ev.eventId)
    : enrollmentExecutionId({
        workflowId: w.workflowId,
        versionId: w.versionId,
        reenrollment: w.definition.settings.reenrollment,
        eventId: ev.eventId,
        entityId: ev.entityId,
      });
  return {
    kind: 'start',
    command: {
      v: 1,
      kind: 'start',
      executionId: id,
      organizationId: w.organizationId,
      workflowId: w.workflowId,
      versionId: w.versionId,
      version: w.version,
      issuedAt: o.now.toISOString(),
      definition: w.definition,
      event: ev,
      triggeredAt: ev.occurredAt,
      ...(o.origin ? { origin: o.origin } : {}),
    },
  };
};

const show = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** One line a business owner can read: `filter: after.status eq "completed" failed (was "scheduled")`. */
export const describeFailure = (f: FailedCondition): string =>
  f.op === 'invalid'
    ? 'the filter cannot be evaluated'
    : `filter: ${f.negated ? 'not ' : ''}${f.field} ${f.op}${f.expected !== undefined ? ` ${show(f.expected)}` : ''} failed (was ${show(f.actual)})`;
