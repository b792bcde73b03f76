import type { Pool } from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { TOPICS, WorkflowDefinition, type StepResult } from '@fixlify/contracts';
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

jest.setTimeout(300_000);

/**
 * A slow endpoint of one organization must not hold another organization's executions: the
 * batch's time budget (EXECUTOR_BATCH_DEADLINE_MS) detaches the slow sends, which finish in the
 * background, and their executions resume through timers — each delivery still made once.
 */
describe('executor: a slow endpoint does not hold other organizations', () => {
  let pool: Pool;
  let kafka: Kafka;
  let producer: Producer;
  let slow: WebhookReceiver;
  let fast: WebhookReceiver;
  let results: TopicTail<StepResult>;
  let executor: ServiceProcess | null = null;
  let topic: string;

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    topic = await createPrivateCommandsTopic(kafka, 'executor-slow');
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    [slow, fast] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
  });

  afterAll(async () => {
    await executor?.kill('SIGTERM');
    await pool?.query('DELETE FROM automation_timers WHERE topic = $1', [topic]);
    await results?.stop();
    await producer?.disconnect();
    await Promise.all([slow?.close(), fast?.close()]);
    await pool?.end();
  });

  it('B completes while A’s sends to a slow endpoint are still in flight; A’s complete later, once each', async () => {
    const [a, b] = [await createOrganization(pool, { name: 'Slow endpoint A' }), await createOrganization(pool, { name: 'Fast B' })];
    const def = (url: string) =>
      WorkflowDefinition.parse({
        nodes: [
          { id: 't', type: 'trigger', trigger: { type: 'manual' } },
          { id: 'hook', type: 'webhook', config: { url } },
          { id: 'after', type: 'webhook', config: { url: `${fast.url}/after` } },
        ],
        edges: [
          { id: 'e1', source: 't', target: 'hook' },
          { id: 'e2', source: 'hook', target: 'after' },
        ],
      });
    const [defA, defB] = [def(`${slow.url}/a`), def(`${fast.url}/b`)];
    const [wfA, wfB] = [await createActiveWorkflow(pool, a, defA), await createActiveWorkflow(pool, b, defB)];
    results = await tailTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => r.organizationId === a || r.organizationId === b),
    );
    await results.ready;
    executor = await startService(
      'executor',
      {
        OUTBOUND_ALLOWED_HOSTS: allowLoopback(slow, fast),
        EXECUTOR_COMMANDS_TOPIC: topic,
        FIXLIFY_START_FROM: 'earliest',
        EXECUTOR_BATCH_DEADLINE_MS: '1000',
        EXECUTOR_TIMER_POLL_MS: '50',
        LOG_LEVEL: 'warn',
      },
      'exec-slow',
    );
    await executor.waitReady(90_000);

    // A's endpoint answers after 6 s (well under the 10 s webhook timeout)
    slow.delayNext(30, 6000);
    const aCommands = Array.from({ length: 30 }, () => manualStartCommand(a, wfA, defA));
    const bCommand = manualStartCommand(b, wfB, defB);
    const sent = Date.now();
    await producer.send({ topic, messages: [...aCommands, bCommand].map((c) => ({ key: c.executionId, value: JSON.stringify(c) })) });

    const completed = (org: string) => results.seen.filter((r) => r.organizationId === org && r.kind === 'execution_completed');
    await results.until(() => completed(b).length === 1, 60_000, "B's execution");
    const bMs = Date.now() - sent;
    const aDoneWhenB = completed(a).length;
    await results.until(() => completed(a).length === 30, 120_000, "A's executions");
    const aMs = Date.now() - sent;
    console.log(JSON.stringify({ measure: 'slow_endpoint', b_completed_ms: bMs, a_all_completed_ms: aMs, a_completed_when_b_completed: aDoneWhenB }));

    expect(aDoneWhenB).toBe(0);
    const aResults = results.seen.filter((r) => r.organizationId === a);
    expect(aResults.filter((r) => r.kind === 'execution_waiting' && r.reason === 'slow_action').length).toBeGreaterThan(0);
    // each slow delivery was made once: the resume found it in the ledger
    const byKey = slow.deliveriesByKey();
    expect(byKey.size).toBe(30);
    expect([...byKey.values()].every((n) => n === 1)).toBe(true);
    const hookSteps = aResults.filter((r): r is Extract<StepResult, { kind: 'step_succeeded' }> => r.kind === 'step_succeeded' && r.stepId === 'hook');
    expect(hookSteps).toHaveLength(30);
    expect(new Set(hookSteps.map((r) => r.executionId)).size).toBe(30);
    expect(fast.received.filter((r) => r.path === '/after')).toHaveLength(31);
  });
});
