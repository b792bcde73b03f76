import { createHash } from 'node:crypto';
import type { StepResult } from '@fixlify/contracts';

/** Deterministic UUID-shaped id from a seed (tests and benchmarks need stable ids, not random ones). */
export const seededUuid = (seed: string): string => {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export interface SyntheticOptions {
  organizationIds: string[];
  /** workflows per organization */
  workflowsPerOrg: number;
  executions: number;
  /** first result time (ms since epoch); results advance from there */
  startMs: number;
  /** namespace for the generated ids, so two runs do not collide */
  seed: string;
}

type Shape = 'ok' | 'retried' | 'gave_up' | 'delayed' | 'suppressed' | 'cancelled' | 'waiting';
const SHAPES: Shape[] = ['ok', 'ok', 'ok', 'retried', 'gave_up', 'delayed', 'suppressed', 'cancelled', 'waiting', 'ok'];
const CHANNELS = [
  { stepType: 'send_email', channel: 'email' },
  { stepType: 'send_sms', channel: 'sms' },
  { stepType: 'send_push_notification', channel: 'push' },
  { stepType: 'webhook', channel: 'webhook' },
] as const;

/**
 * The step results of `executions` executions, in the order the executor emits them per execution
 * (seq 0, 1, …), executions interleaved the way concurrent runs interleave on the topic. Covers
 * every result kind: retries, give-ups, delays, suppressed messages, cancellations, executions
 * still waiting; a third of them backfilled (started by a replay).
 */
export function* syntheticStepResults(o: SyntheticOptions): Generator<StepResult> {
  // a few executions in flight at once, so one partition interleaves them
  const inFlight: Generator<StepResult, void>[] = [];
  let started = 0;
  let clock = o.startMs;
  const next = (): string => new Date((clock += 7)).toISOString();
  const execution = function* (i: number): Generator<StepResult, void> {
    const org = o.organizationIds[i % o.organizationIds.length]!;
    const wfIndex = Math.floor(i / o.organizationIds.length) % o.workflowsPerOrg;
    const workflowId = seededUuid(`${o.seed}|wf|${org}|${wfIndex}`);
    const versionId = seededUuid(`${o.seed}|ver|${workflowId}`);
    const executionId = seededUuid(`${o.seed}|exec|${i}`);
    const shape = SHAPES[i % SHAPES.length]!;
    const ch = CHANNELS[i % CHANNELS.length]!;
    let seq = 0;
    const base = () => ({ v: 1 as const, resultId: `${executionId}:${seq}`, executionId, organizationId: org, workflowId, versionId, seq: seq++, at: next() });
    const t0 = clock;
    const startedAt = next();
    yield {
      ...base(),
      kind: 'execution_started',
      triggerType: 'job_created',
      triggerData: { eventId: seededUuid(`${o.seed}|ev|${i}`), entityType: 'job', entityId: `job-${i}`, title: `Job ${i}` },
      eventId: seededUuid(`${o.seed}|ev|${i}`),
      triggeredAt: startedAt,
      // every third execution was started by one of two replays (backfills), counted apart in the metrics
      ...(i % 3 === 1 ? { replayId: seededUuid(`${o.seed}|replay|${i % 2}`) } : {}),
    };
    yield {
      ...base(),
      kind: 'step_succeeded',
      stepId: 'check',
      stepType: 'condition',
      attempt: 1,
      startedAt: next(),
      durationMs: 0.4,
      output: { result: true },
      delivery: 'none',
      channel: null,
    };
    if (shape === 'delayed' || shape === 'waiting') {
      yield {
        ...base(),
        kind: 'step_succeeded',
        stepId: 'wait',
        stepType: 'delay',
        attempt: 1,
        startedAt: next(),
        durationMs: 0.2,
        output: { until: new Date(clock + 60_000).toISOString() },
        delivery: 'none',
        channel: null,
      };
      yield { ...base(), kind: 'execution_waiting', stepId: 'wait', until: new Date(clock + 60_000).toISOString(), reason: 'delay' };
      if (shape === 'waiting') return;
    }
    if (shape === 'cancelled') {
      yield {
        v: 1,
        resultId: `${executionId}:cancelled`,
        executionId,
        organizationId: org,
        workflowId,
        versionId,
        seq: 1_000_000,
        at: next(),
        kind: 'execution_cancelled',
        reason: 'workflow deactivated',
      };
      return;
    }
    const attempts = shape === 'retried' ? 3 : shape === 'gave_up' ? 2 : 1;
    for (let a = 1; a <= attempts; a++) {
      const last = a === attempts;
      if (!last || shape === 'gave_up') {
        const error = { code: 'provider_unavailable' as const, message: `receiver answered 503 (attempt ${a})`, retryable: true };
        yield {
          ...base(),
          kind: 'step_failed',
          stepId: 'notify',
          stepType: ch.stepType,
          attempt: a,
          startedAt: next(),
          durationMs: 12 + (i % 50),
          error,
          retryAt: last ? null : new Date(clock + 1000 * a).toISOString(),
        };
        if (last)
          yield {
            ...base(),
            kind: 'execution_failed',
            durationMs: clock - t0 + (i % 3000),
            error: { ...error, message: `gave up after ${a} attempts: ${error.message}` },
          };
        continue;
      }
      yield {
        ...base(),
        kind: 'step_succeeded',
        stepId: 'notify',
        stepType: ch.stepType,
        attempt: a,
        startedAt: next(),
        durationMs: 20 + (i % 80),
        output: { status: 202, providerMessageId: `msg-${i}` },
        delivery: shape === 'suppressed' ? 'suppressed' : 'delivered',
        channel: ch.channel,
      };
      yield { ...base(), kind: 'execution_completed', durationMs: clock - t0 + (i % 5000) };
    }
  };
  const width = 16;
  for (;;) {
    while (inFlight.length < width && started < o.executions) inFlight.push(execution(started++));
    if (inFlight.length === 0) return;
    const k = (started * 7) % inFlight.length;
    const r = inFlight[k]!.next();
    if (r.done) inFlight.splice(k, 1);
    else yield r.value;
  }
}
