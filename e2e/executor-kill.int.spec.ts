import type { Pool } from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { TOPICS, WorkflowDefinition, type Command, type StepResult } from '@fixlify/contracts';
import {
  createActiveWorkflow,
  createOrganization,
  createPrivateCommandsTopic,
  jsonWhere,
  manualStartCommand,
  startService,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  type ServiceProcess,
  type TopicTail,
  type WebhookReceiver,
  allowLoopback,
} from '@fixlify/testing';

jest.setTimeout(600_000);

const EXECUTIONS = 5000;
const KILLS = 6;
const CONCURRENCY = 256;

/**
 * SIGKILL the executor at random moments while it runs 5,000 webhook executions, restarting it
 * each time with the same instance id (its transactional id fences the dead transaction). Every
 * execution must complete exactly once on the step-results topic (read_committed), and the
 * receiver must see every delivery, each Idempotency-Key once after deduplication.
 *
 * Commands are produced directly onto a commands topic of this run (EXECUTOR_COMMANDS_TOPIC), so
 * no other executor on the shared cluster runs them.
 */
describe('executor: SIGKILL at random moments loses and repeats nothing', () => {
  let pool: Pool;
  let kafka: Kafka;
  let producer: Producer;
  let receiver: WebhookReceiver;
  let results: TopicTail<StepResult>;
  let executor: ServiceProcess | null = null;
  let topic: string;
  const instance = `kill-test-${process.pid}`;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    topic = await createPrivateCommandsTopic(kafka, 'executor-kill');
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    receiver = await startWebhookReceiver();
    env = {
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
      EXECUTOR_COMMANDS_TOPIC: topic,
      FIXLIFY_INSTANCE_ID: instance,
      // a topic of its own: read it all, so a restart before the first commit of a partition misses nothing
      FIXLIFY_START_FROM: 'earliest',
      EXECUTOR_TIMER_POLL_MS: '50',
      EXECUTOR_CONCURRENCY: String(CONCURRENCY),
      // small batches: many transactions commit between the kills, so a kill lands anywhere among them
      EXECUTOR_MAX_BYTES_PER_PARTITION: '65536',
      LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    await executor?.kill('SIGTERM');
    await results?.stop();
    await producer?.disconnect();
    await receiver?.close();
    await pool?.end();
  });

  it(`completes all ${EXECUTIONS} executions exactly once through ${KILLS} kills`, async () => {
    const org = await createOrganization(pool, { name: 'Kill test' });
    const definition = WorkflowDefinition.parse({
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'manual' } },
        {
          id: 'hook',
          type: 'webhook',
          config: { url: `${receiver.url}/kill`, payload: '{"n":{{ trigger.n }}}' },
          retry: { maxAttempts: 10, initialDelayMs: 50, maxDelayMs: 500 },
        },
      ],
      edges: [{ id: 'e', source: 't', target: 'hook' }],
    });
    const wf = await createActiveWorkflow(pool, org, definition);
    results = await tailTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => r.organizationId === org),
    );
    await results.ready;

    const now = new Date().toISOString();
    const commands: Command[] = Array.from({ length: EXECUTIONS }, (_, n) => manualStartCommand(org, wf, definition, { at: now, data: { n } }));
    const ids = new Set(commands.map((c) => c.executionId));
    // some deliveries fail first, so retries (durable timers) are in flight during the kills too
    receiver.failNext(50, 503);

    const start = async (): Promise<ServiceProcess> => startService('executor', env, 'exec-kill');
    executor = await start();
    await executor.waitReady(90_000);
    for (let i = 0; i < commands.length; i += 500)
      await producer.send({ topic, messages: commands.slice(i, i + 500).map((c) => ({ key: c.executionId, value: JSON.stringify(c) })) });

    const completed = () => new Set(results.seen.filter((r) => r.kind === 'execution_completed').map((r) => r.executionId)).size;
    const kills: { afterMs: number; completedBefore: number; beforeReady: boolean }[] = [];
    for (let k = 0; k < KILLS; k++) {
      // mostly while busy, once during start-up (before the consumer has joined)
      const beforeReady = k === 2;
      const afterMs = beforeReady ? 300 + Math.random() * 700 : 200 + Math.random() * 2500;
      await new Promise((r) => setTimeout(r, afterMs));
      kills.push({ afterMs: Math.round(afterMs), completedBefore: completed(), beforeReady });
      await executor.kill('SIGKILL');
      executor = await start();
      if (!(k + 1 < KILLS && k + 1 === 2)) await executor.waitReady(90_000);
    }
    await executor.waitReady(90_000);
    await results.until(() => completed() >= EXECUTIONS, 400_000, `${EXECUTIONS} completed executions`);
    // a moment for anything that would come twice
    await new Promise((r) => setTimeout(r, 2000));

    const byExecution = new Map<string, StepResult[]>();
    for (const r of results.seen) byExecution.set(r.executionId, [...(byExecution.get(r.executionId) ?? []), r]);
    expect([...byExecution.keys()].filter((id) => !ids.has(id))).toEqual([]);
    expect(byExecution.size).toBe(EXECUTIONS);
    const problems: string[] = [];
    for (const [id, rs] of byExecution) {
      const kinds = rs.map((r) => r.kind);
      if (kinds.filter((k) => k === 'execution_completed').length !== 1) problems.push(`${id}: ${kinds.join(',')}`);
      if (kinds.includes('execution_failed')) problems.push(`${id} failed`);
      // no result committed twice: seqs are unique per execution
      const seqs = rs.map((r) => r.seq);
      if (new Set(seqs).size !== seqs.length) problems.push(`${id}: seqs ${seqs.join(',')}`);
    }
    expect(problems.slice(0, 10)).toEqual([]);

    const byKey = receiver.deliveriesByKey();
    const expectedKeys = [...ids].map((id) => `${id}:hook`);
    expect(expectedKeys.filter((k) => !byKey.has(k))).toEqual([]);
    expect(byKey.size).toBe(EXECUTIONS);
    // each request beyond one per key is a failed attempt (503) or a resend after an unknown outcome (a kill between send and record)
    const successes = new Map<string, number>();
    const ledger = await pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM automation_deliveries WHERE organization_id = $1 GROUP BY status',
      [org],
    );
    const raw = receiver.received.length;
    const resends = raw - EXECUTIONS - 50;
    for (const r of receiver.received) if (r.idempotencyKey) successes.set(r.idempotencyKey, (successes.get(r.idempotencyKey) ?? 0) + 1);
    console.log(
      JSON.stringify({
        measure: 'kill_test',
        executions: EXECUTIONS,
        kills,
        requests: raw,
        injected_503: 50,
        resends_after_unknown_outcome: resends,
        max_requests_per_key: Math.max(...successes.values()),
        ledger: Object.fromEntries(ledger.rows.map((r) => [r.status, Number(r.n)])),
      }),
    );
    expect(ledger.rows).toEqual([{ status: 'delivered', n: String(EXECUTIONS) }]);
    // a resend (same Idempotency-Key) can only follow a kill that caught sends in flight: at most the concurrency each
    expect(resends).toBeLessThanOrEqual(KILLS * CONCURRENCY);
  });
});
