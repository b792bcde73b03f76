import type { Pool } from 'pg';
import { TOPICS, type Command, type StepResult } from '@fixlify/contracts';
import type { OutMessage, PipelineItem } from '@fixlify/kafka';
import { cancelTimers, insertTimers } from '../timers/timer-store';
import { claimCommands, markExecutionStates } from './claim-commands';
import { loadContexts, type ExecutionContext } from './load-context';
import { mapLimit } from './map-limit';
import { runExecution, type RunDeps, type RunOutcome } from './run-execution';

export interface BatchStats {
  executed: number;
  duplicates: number;
  completed: number;
  failed: number;
  waiting: number;
}

/**
 * The executor's use case for one consumed batch of commands: drop duplicates, load contexts,
 * run the steps, persist timers, and return the step results to commit with the offsets.
 */
export const processCommandBatch = async (pool: Pool, items: PipelineItem<Command>[], deps: RunDeps, concurrency: number): Promise<{ out: OutMessage[]; stats: BatchStats }> => {
  const stats: BatchStats = { executed: 0, duplicates: 0, completed: 0, failed: 0, waiting: 0 };
  const claims = items.map((i) => ({ command: i.value, position: `${i.topic}:${i.partition}:${i.offset}` }));
  const run = await claimCommands(pool, claims);
  const out: OutMessage[] = [];
  const emit = (r: StepResult): void => {
    out.push({ topic: TOPICS.stepResults, key: r.executionId, value: JSON.stringify(r) });
  };

  const toRun: Extract<Command, { kind: 'start' | 'resume' }>[] = [];
  const cancelled: string[] = [];
  for (const c of claims) {
    if (!run.has(c.position)) {
      stats.duplicates++;
      continue;
    }
    const cmd = c.command;
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

  const starts = toRun.filter((c) => c.kind === 'start');
  const contexts = await loadContexts(
    pool,
    starts.map((c) => c.event),
  );
  const ctxOf = new Map<Command, ExecutionContext>();
  starts.forEach((c, i) => ctxOf.set(c, contexts[i]!));

  const outcomes: RunOutcome[] = await mapLimit(toRun, concurrency, (cmd) => runExecution(cmd, ctxOf.get(cmd) ?? null, deps));
  await insertTimers(
    pool,
    outcomes.flatMap((o) => o.timers),
  );
  const states: { id: string; state: 'waiting' | 'completed' | 'failed' }[] = [];
  outcomes.forEach((o, i) => {
    stats.executed++;
    for (const r of o.results) emit(r);
    if (o.state === 'completed') stats.completed++;
    if (o.state === 'failed') stats.failed++;
    if (o.state === 'waiting') stats.waiting++;
    if (o.state !== 'cancelled') states.push({ id: toRun[i]!.executionId, state: o.state });
  });
  await markExecutionStates(pool, states);
  return { out, stats };
};
