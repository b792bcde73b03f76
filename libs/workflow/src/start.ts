import {
  executionId,
  type DomainEvent,
  type NoStartReason,
  type PublishedWorkflow,
  type ReenrollmentPolicy,
  type RunnableStart,
  type StartCommand,
  type StartOrigin,
  type TriggerSpec,
} from '@fixlify/contracts';
import { evaluateCondition, explainCondition, eventScope, type FailedCondition } from './condition';
import { enrollmentExecutionId } from './enrollment';
import { triggerNode } from './walker';

type Skip = { kind: 'skip'; reason: NoStartReason; detail: string; failed?: FailedCondition };
export type StartDecision = { kind: 'start'; command: RunnableStart } | Skip;
/** decideStartByRule's answer: a start without the definition (the rule has none; the executor resolves a stored version by id) */
export type RuleDecision = { kind: 'start'; command: StartCommand } | Skip;

/**
 * What deciding a start reads of a published workflow: its ids, the trigger of its trigger node (the
 * first node of type `trigger`; undefined when it has none) and its re-enrollment policy — nothing
 * else of the definition. The matcher's index holds only this (services/matcher indexed-workflow).
 */
export interface StartRule {
  workflowId: string;
  organizationId: string;
  versionId: string;
  version: number;
  trigger: TriggerSpec | undefined;
  reenrollment: ReenrollmentPolicy;
}

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
 * the replay id instead, so each forced run is new and distinct. The command carries the definition
 * (see decideStartByRule for the same rule over a StartRule, without it).
 */
export const decideStart = (w: PublishedWorkflow, ev: DomainEvent, o: DecideOptions): StartDecision => {
  const d = decide(w, triggerNode(w.definition)?.trigger, w.definition.settings.reenrollment, ev, o);
  return d.kind === 'start' ? { kind: 'start', command: { ...d.command, definition: w.definition } } : d;
};

/** decideStart's rule over what it reads of a workflow (StartRule): the start command comes without a definition. */
export const decideStartByRule = (r: StartRule, ev: DomainEvent, o: DecideOptions): RuleDecision => decide(r, r.trigger, r.reenrollment, ev, o);

const decide = (
  w: Pick<StartRule, 'workflowId' | 'organizationId' | 'versionId' | 'version'>,
  trigger: TriggerSpec | undefined,
  reenrollment: ReenrollmentPolicy,
  ev: DomainEvent,
  o: DecideOptions,
): RuleDecision => {
  if (ev.organizationId !== w.organizationId) return { kind: 'skip', reason: 'other_organization', detail: 'the event belongs to another organization' };
  if (ev.workflowId && ev.workflowId !== w.workflowId) return { kind: 'skip', reason: 'other_workflow', detail: `the event is for workflow ${ev.workflowId}` };
  if (ev.causation && ev.causation.depth >= o.maxDepth)
    return {
      kind: 'skip',
      reason: 'loop_depth',
      detail: `caused by execution ${ev.causation.executionId} at depth ${ev.causation.depth} (limit ${o.maxDepth})`,
    };
  if (!trigger) return { kind: 'skip', reason: 'no_trigger', detail: 'the workflow has no trigger' };
  if (trigger.type !== ev.type) return { kind: 'skip', reason: 'trigger_type', detail: `the workflow starts on ${trigger.type}, the event is ${ev.type}` };
  if (trigger.filter !== undefined) {
    const scope = eventScope(ev);
    if (!evaluateCondition(trigger.filter, scope)) {
      const failed = o.explain ? explainCondition(trigger.filter, scope) : null;
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
        reenrollment,
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
