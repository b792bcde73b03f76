import type { DomainEvent, StartCommand } from '@fixlify/contracts';
import { decideStart, decideStartByRule, keywordRepliesWorkflow } from '@fixlify/workflow';
import type { IndexedWorkflow } from '../index/indexed-workflow';
import type { WorkflowIndex } from '../index/workflow-index';

export type MatchOutcome = { kind: 'start'; command: StartCommand } | { kind: 'skipped'; reason: 'loop_depth' | 'workflow_not_indexed'; detail: string };

/**
 * Domain event × active workflows → start commands. Whether one workflow starts is decideStart's
 * rule (libs/workflow), shared with replays and explanations; execution ids are deterministic, so
 * a replayed or redelivered event produces the same ids and the executor drops the duplicates.
 */
export const matchEvent = (index: WorkflowIndex, ev: DomainEvent, maxDepth: number, now: Date): MatchOutcome[] => {
  if (ev.causation && ev.causation.depth >= maxDepth)
    return [
      { kind: 'skipped', reason: 'loop_depth', detail: `caused by execution ${ev.causation.executionId} at depth ${ev.causation.depth} (limit ${maxDepth})` },
    ];
  // an SMS keyword (STOP, START, HELP): the organization's built-in reply, and none of its workflows.
  // It has no stored version, so its command carries its definition (the one start the matcher makes with one)
  const builtIn = keywordRepliesWorkflow(ev);
  if (builtIn) {
    const d = decideStart(builtIn, ev, { maxDepth, now });
    return d.kind === 'start' ? [{ kind: 'start', command: d.command }] : [];
  }
  let candidates: readonly IndexedWorkflow[];
  if (ev.workflowId) {
    // clock, manual and webhook events name their workflow; one this index lacks is worth seeing
    const w = index.get(ev.workflowId);
    if (!w || w.organizationId !== ev.organizationId || w.triggerType !== ev.type)
      return [
        {
          kind: 'skipped',
          reason: 'workflow_not_indexed',
          detail: w ? `workflow ${ev.workflowId} now starts on ${w.triggerType}` : `workflow ${ev.workflowId} is not active (or not indexed yet)`,
        },
      ];
    candidates = [w];
  } else candidates = index.candidates(ev.organizationId, ev.type);
  const out: MatchOutcome[] = [];
  for (const w of candidates) {
    // a published version is stored and immutable: the executor resolves it by id, so the command
    // travels without it (the index holds none: see IndexedWorkflow)
    const d = decideStartByRule(w, ev, { maxDepth, now });
    if (d.kind === 'start') out.push({ kind: 'start', command: d.command });
  }
  return out;
};
