import type { Pool } from 'pg';
import { TOPICS, stepResultHeaders, type Command, type RunnableCommand, type StepResult } from '@fixlify/contracts';
import type { OutMessage, PipelineItem, TraceContext } from '@fixlify/kafka';
import { cancelTimers, insertTimers, makeTimersDue, replaceTimers, type TimerRow } from '../timers/timer-store';
import { claimCommands, commandIdOf, markExecutionStates } from './claim-commands';
import { interleaveByOrg, splitByShare } from './fair-share';
import { loadContexts, type ExecutionContext } from '@fixlify/db';
import { mapLimit } from './map-limit';
import type { DefinitionStore, ResolvedItem } from './definitions';
import { runExecution, type RunDeps, type RunOutcome } from '@fixlify/engine';

export interface BatchStats {
  executed: number;
  duplicates: number;
  parked: number;
  completed: number;
  failed: number;
  waiting: number;
  /** commands dropped because their workflow version does not exist for their organization */
  unresolved: number;
  /** wall time of the batch's phases (ms): park and claim with context loading, running the steps, writing timers and states */
  phaseMs: { claim: number; run: number; write: number };
}

export interface BatchOptions {
  /** executions run at the same time */
  concurrency: number;
  /** at most this many commands of one organization run per batch; the rest are parked */
  orgShare: number;
  /** the commands topic (parked commands come back to it) */
  topic: string;
  /** this deployment's consumer group: it owns the executions it starts */
  group: string;
  /** waits for the writes the actions left pending (ledger records that may trail the send) */
  flush?: () => Promise<void>;
  /** time budget of a batch: actions still running then are detached (default: none) */
  deadlineMs?: number;
  /** resolves the definitions commands travel without, and drops them again from what is parked */
  definitions: DefinitionStore;
}

const positionOf = (i: ResolvedItem): string => `${i.topic}:${i.partition}:${i.offset}`;

/**
 * The executor's use case for one consumed batch of commands: park what exceeds an
 * organization's share, drop duplicates, load contexts, run the steps (organizations
 * interleaved), persist timers, and return the step results to commit with the offsets.
 */
export const processCommandBatch = async (
  pool: Pool,
  consumed: PipelineItem<Command>[],
  deps: RunDeps,
  o: BatchOptions,
): Promise<{ out: OutMessage[]; stats: BatchStats }> => {
  const stats: BatchStats = {
    executed: 0,
    duplicates: 0,
    parked: 0,
    completed: 0,
    failed: 0,
    waiting: 0,
    unresolved: 0,
    phaseMs: { claim: 0, run: 0, write: 0 },
  };
  const t0 = performance.now();
  const { items, unresolved } = await o.definitions.resolve(consumed);
  stats.unresolved = unresolved;
  const out: OutMessage[] = [];
  const emit = (r: StepResult): void => {
    out.push({ topic: TOPICS.stepResults, key: r.executionId, value: JSON.stringify(r), headers: stepResultHeaders(r) });
  };

  // Fairness: a flood of one organization is parked (due now) so the consumer reaches the other
  // organizations' commands behind it at once. Cancels are cheap and never wait.
  const { run: taken, park } = splitByShare(
    items,
    o.orgShare,
    (i) => (i.value.kind === 'cancel' ? `cancel:${i.value.organizationId}` : i.value.organizationId),
    (i) => i.value.executionId,
  );
  if (park.length > 0) {
    const now = deps.now();
    // the id names the message parked, so a reprocessed batch parks nothing twice
    const rows: TimerRow[] = park.map((i) => ({
      id: `fair:${commandIdOf(i.value)}@${positionOf(i)}`,
      organizationId: i.value.organizationId,
      executionId: i.value.executionId,
      dueAt: now,
      command: o.definitions.compact(i.value),
      reason: 'fairness',
    }));
    await insertTimers(pool, o.topic, rows);
    stats.parked = park.length;
  }

  const claims = taken.map((i) => ({ command: i.value, position: positionOf(i) }));
  // contexts load while the claim runs (one round trip for both); a dropped duplicate's context is unused
  const starts = taken.flatMap((i) => (i.value.kind === 'start' ? [i.value] : []));
  const [claimed, contexts] = await Promise.all([
    claimCommands(pool, claims, o.group),
    loadContexts(
      pool,
      starts.map((c) => c.event),
    ),
  ]);
  const toRun: RunnableCommand[] = [];
  const cancelled: string[] = [];
  const rerunOf = new Map<Command, boolean>();
  for (const c of claims) {
    const claim = claimed.get(c.position);
    if (!claim) {
      stats.duplicates++;
      continue;
    }
    const cmd = c.command;
    rerunOf.set(cmd, claim.rerun);
    if (cmd.kind === 'cancel') {
      cancelled.push(cmd.executionId);
      emit({
        v: 1,
        resultId: `${cmd.executionId}:cancelled`,
        executionId: cmd.executionId,
        organizationId: cmd.organizationId,
        workflowId: cmd.workflowId,
        versionId: cmd.versionId,
        seq: 1_000_000,
        at: deps.now().toISOString(),
        kind: 'execution_cancelled',
        reason: cmd.reason,
      });
    } else toRun.push(cmd);
  }
  await cancelTimers(pool, cancelled);

  const ctxOf = new Map<Command, ExecutionContext>();
  starts.forEach((c, i) => ctxOf.set(c, contexts[i]!));

  // commands of one execution run one after the other; organizations take turns for the slots
  const groups = new Map<string, RunnableCommand[]>();
  for (const c of toRun) {
    const g = groups.get(c.executionId);
    if (g) g.push(c);
    else groups.set(c.executionId, [c]);
  }
  const ordered = interleaveByOrg([...groups.values()], (g) => g[0]!.organizationId);
  const outcomes = new Map<RunnableCommand, RunOutcome>();
  // the batch's time budget: one slow endpoint must not hold everyone's executions (and the commit)
  let passed = false;
  let budget: NodeJS.Timeout | undefined;
  const reached = new Promise<void>((resolve) => {
    if (o.deadlineMs === undefined) return;
    budget = setTimeout(() => {
      passed = true;
      resolve();
    }, o.deadlineMs);
  });
  // a detached action that finishes pulls its resume forward, once the resume's timer is written
  let timersWritten = false;
  const doneEarly: string[] = [];
  const onDetachedDone = (timerId: string): void => {
    if (timersWritten) void makeTimersDue(pool, [timerId]).catch(() => undefined);
    else doneEarly.push(timerId);
  };
  const traceOf = new Map<Command, TraceContext>();
  for (const i of items) if (i.trace) traceOf.set(i.value, i.trace);
  const runOpts = (cmd: RunnableCommand) => ({
    rerun: rerunOf.get(cmd) ?? true,
    ...(traceOf.has(cmd) ? { trace: traceOf.get(cmd)! } : {}),
    ...(o.deadlineMs !== undefined ? { deadline: { passed: () => passed, reached }, onDetachedDone } : {}),
  });
  const t1 = performance.now();
  stats.phaseMs.claim = t1 - t0;
  try {
    await mapLimit(ordered, o.concurrency, async (group) => {
      for (const cmd of group) outcomes.set(cmd, await runExecution(cmd, ctxOf.get(cmd) ?? null, deps, runOpts(cmd)));
    });
  } finally {
    clearTimeout(budget);
  }

  const t2 = performance.now();
  stats.phaseMs.run = t2 - t1;
  const timers: TimerRow[] = [];
  const states: { id: string; state: 'waiting' | 'completed' | 'failed' }[] = [];
  for (const cmd of toRun) {
    const outcome = outcomes.get(cmd)!;
    stats.executed++;
    for (const r of outcome.results) emit(r);
    for (const t of outcome.timers) timers.push({ ...t, command: o.definitions.compact(t.command) });
    stats[outcome.state]++;
    states.push({ id: cmd.executionId, state: outcome.state });
  }
  await Promise.all([replaceTimers(pool, o.topic, [...new Set(toRun.map((c) => c.executionId))], timers), markExecutionStates(pool, states), o.flush?.()]);
  timersWritten = true;
  await makeTimersDue(pool, doneEarly.splice(0));
  stats.phaseMs.write = performance.now() - t2;
  return { out, stats };
};
