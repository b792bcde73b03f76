import type { DomainEvent, PublishedWorkflow, WorkflowDefinition } from '@fixlify/contracts';
import type { FailedCondition } from './condition';
import { decideStart, type StartDecision } from './start';
import { triggerNode } from './walker';

/** A workflow with its published versions, as "why didn't this fire?" needs it. */
export interface WorkflowHistory {
  workflowId: string;
  organizationId: string;
  name: string;
  /** switched on now */
  isActive: boolean;
  /** when it was last switched on (null: never, or before this was recorded) */
  activatedAt: Date | null;
  versions: readonly { versionId: string; version: number; publishedAt: Date; definition: WorkflowDefinition }[];
}

/** What is known of an execution an event would start. */
export interface KnownExecution {
  status: string;
  /** the event that started it */
  eventId: string | null;
}

export type FiredOutcome =
  | { outcome: 'started'; executionId: string; status: string; version: number }
  | {
      outcome: 'not_started';
      version: number | null;
      reason:
        | 'not_published_yet'
        | 'inactive_then'
        | 'inactive_now'
        | 'already_enrolled'
        | 'not_indexed'
        | 'filter'
        | 'loop_depth'
        | 'trigger_type'
        | 'other_workflow'
        | 'no_trigger'
        | 'other_organization';
      detail: string;
      failed?: FailedCondition;
      /** already_enrolled: the execution that enrolled the record */
      executionId?: string;
    };

/**
 * Why one event did or did not start one workflow, from history: the version published at the
 * event's time, whether the workflow was on then, the matcher's own rule (decideStart) and the
 * executions that exist. Pure: the caller reads the log, the versions and the executions.
 */
/**
 * The matcher's decision for an event over the version of a workflow published at the event's
 * time, with failed filters explained; null when no version was published yet.
 */
export const decideAtTime = (
  ev: DomainEvent,
  w: WorkflowHistory,
  o: { maxDepth: number },
): { version: WorkflowHistory['versions'][number]; decision: StartDecision } | null => {
  const at = new Date(ev.occurredAt);
  let version: WorkflowHistory['versions'][number] | undefined;
  for (const v of w.versions) if (v.publishedAt <= at && (!version || v.version > version.version)) version = v;
  if (!version) return null;
  const published: PublishedWorkflow = {
    v: 1,
    workflowId: w.workflowId,
    organizationId: w.organizationId,
    name: w.name,
    version: version.version,
    versionId: version.versionId,
    triggerType: triggerNode(version.definition)?.trigger.type ?? ev.type,
    definition: version.definition,
    updatedAt: version.publishedAt.toISOString(),
  };
  return { version, decision: decideStart(published, ev, { maxDepth: o.maxDepth, now: at, explain: true }) };
};

export const explainStart = (ev: DomainEvent, w: WorkflowHistory, executions: ReadonlyMap<string, KnownExecution>, o: { maxDepth: number }): FiredOutcome => {
  const at = new Date(ev.occurredAt);
  const decided = decideAtTime(ev, w, o);
  if (!decided)
    return { outcome: 'not_started', version: null, reason: 'not_published_yet', detail: `no version of "${w.name}" was published yet at ${ev.occurredAt}` };
  const { version, decision: d } = decided;
  if (d.kind === 'skip')
    return { outcome: 'not_started', version: version.version, reason: d.reason, detail: d.detail, ...(d.failed ? { failed: d.failed } : {}) };
  const id = d.command.executionId;
  const known = executions.get(id);
  if (known && (known.eventId === null || known.eventId === ev.eventId))
    return { outcome: 'started', executionId: id, status: known.status, version: version.version };
  if (known)
    return {
      outcome: 'not_started',
      version: version.version,
      reason: 'already_enrolled',
      detail: `"${w.name}" runs once per record, and an earlier event of this record already enrolled it`,
      executionId: id,
    };
  if (w.activatedAt && w.activatedAt > at)
    return {
      outcome: 'not_started',
      version: version.version,
      reason: 'inactive_then',
      detail: `"${w.name}" was switched on only at ${w.activatedAt.toISOString()}, after the event`,
    };
  if (!w.isActive)
    return {
      outcome: 'not_started',
      version: version.version,
      reason: 'inactive_now',
      detail: `"${w.name}" is switched off (the event matches it; nothing started)`,
    };
  return {
    outcome: 'not_started',
    version: version.version,
    reason: 'not_indexed',
    detail: `the event matches version ${version.version} but no execution exists: the matcher had not indexed that version yet, or the start is still on its way`,
  };
};
