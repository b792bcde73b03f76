import { randomUUID } from 'node:crypto';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS, WorkflowDefinition, type DomainEvent, type PublishedWorkflow, type StartCommand } from '@fixlify/contracts';
import { setWorkflowActive } from '@fixlify/db';
import {
  createActiveWorkflow,
  createOrganization,
  startService,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
} from '@fixlify/testing';

/**
 * Exactly once through a crash: 10,000 events for one organization are produced straight to
 * automation.events.v1; the matcher is SIGKILLed in the middle of the batch and restarted with the
 * same instance id (its transactional id fences the dead transaction). Read with read_committed,
 * the commands topic holds exactly 10,000 start commands with 10,000 distinct execution ids.
 * Then the same with two matcher instances sharing the load, one of them killed mid-batch.
 *
 * Other tests' matchers may run on the same broker and match the same events; only the commands of
 * this test's consumer group (the fixlify-origin header) are counted.
 */
jest.setTimeout(900_000);

const N = 10_000;

describe('matcher: SIGKILL in the middle of 10,000 events, exactly once', () => {
  let pool: Pool;
  let producer: Producer;
  const started: ServiceProcess[] = [];
  const workflows: [string, string][] = [];

  beforeAll(async () => {
    pool = testPool();
    producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.kill('SIGTERM')));
    for (const [workflowId, organizationId] of workflows) {
      await setWorkflowActive(pool, { workflowId, organizationId, active: false }).catch(() => undefined);
      await producer.send({ topic: TOPICS.workflows, acks: -1, messages: [{ key: workflowId, value: null }] }).catch(() => undefined);
    }
    await producer?.disconnect();
    await pool?.end();
  });

  /** a consumer group of its own, its offsets set to the end of the events topic before any matcher starts (no 'latest' race) */
  const freshGroup = async (): Promise<string> => {
    const prefix = `mk-${process.pid}-${randomUUID().slice(0, 8)}`;
    const admin = testKafka().admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(TOPICS.events);
    await admin.setOffsets({ groupId: `${prefix}-matcher`, topic: TOPICS.events, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    await admin.disconnect();
    return prefix;
  };

  /**
   * An active workflow, in PostgreSQL and on the compacted workflows topic (what ingest publishes from
   * its CDC; written here directly so this test needs no ingest process).
   */
  const setup = async (): Promise<{ org: string; workflowId: string; versionId: string }> => {
    const org = await createOrganization(pool, { name: 'Matcher kill test' });
    const definition = WorkflowDefinition.parse({
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
        { id: 'task', type: 'create_task', config: { title: 'kill test' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
    });
    const w = await createActiveWorkflow(pool, org, definition);
    workflows.push([w.workflowId, org]);
    const published: PublishedWorkflow = {
      v: 1,
      workflowId: w.workflowId,
      organizationId: org,
      name: 'kill test',
      version: w.version,
      versionId: w.versionId,
      triggerType: 'job_created',
      definition,
      updatedAt: new Date().toISOString(),
    };
    await producer.send({ topic: TOPICS.workflows, acks: -1, messages: [{ key: w.workflowId, value: JSON.stringify(published) }] });
    return { org, workflowId: w.workflowId, versionId: w.versionId };
  };

  /** `holdTxnMs`: the instance to be killed keeps each transaction open a while after writing, so the kill lands inside one */
  const startMatcher = async (prefix: string, label: string, holdTxnMs = 0): Promise<ServiceProcess> => {
    const m = await startService(
      'matcher',
      { FIXLIFY_GROUP_PREFIX: prefix, FIXLIFY_INSTANCE_ID: label, LOG_LEVEL: 'warn', FIXLIFY_TEST_HOLD_TXN_MS: String(holdTxnMs) },
      label,
    );
    started.push(m);
    return m;
  };
  const indexed = (m: ServiceProcess, workflowId: string): Promise<boolean> =>
    waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${m.port}/index/${workflowId}`)).json()) as { present: boolean }).present,
      120_000,
      'the matcher to index the workflow',
    );

  const events = (org: string): DomainEvent[] =>
    Array.from({ length: N }, (_, i) => {
      const at = new Date().toISOString();
      return {
        v: 1,
        eventId: randomUUID(),
        type: 'job_created',
        organizationId: org,
        entityType: 'job',
        entityId: randomUUID(),
        before: null,
        after: { title: `job ${i}`, status: 'scheduled', total: '10.00' },
        occurredAt: at,
        emittedAt: at,
        workflowId: null,
        causation: null,
        data: {},
        source: { kind: 'cdc', table: 'jobs', lsn: String(i), txId: '1' },
      };
    });

  const produceAll = async (evs: DomainEvent[]): Promise<void> => {
    for (let i = 0; i < evs.length; i += 1000)
      await producer.send({
        topic: TOPICS.events,
        acks: -1,
        messages: evs.slice(i, i + 1000).map((e) => ({ key: `${e.organizationId}:${e.entityId}`, value: JSON.stringify(e) })),
      });
  };

  const commandsOf = async (prefix: string, org: string, readUncommitted = false): Promise<TopicTail<StartCommand>> => {
    const origin = `${prefix}-matcher`;
    const t = await tailTopic(
      testKafka(),
      TOPICS.commands,
      (m: KafkaMessage) => {
        if (m.headers?.['fixlify-origin']?.toString() !== origin || !m.value) return undefined;
        const c = JSON.parse(m.value.toString('utf8')) as StartCommand;
        return c.organizationId === org ? c : undefined;
      },
      { readUncommitted },
    );
    await t.ready;
    return t;
  };

  /**
   * Streams events in small sends and SIGKILLs the matcher at a moment when output it wrote is not
   * committed yet (the read_uncommitted reader is ahead of the read_committed one): mid-transaction.
   */
  const killMidTransaction = async (
    victim: ServiceProcess,
    evs: DomainEvent[],
    committed: TopicTail<StartCommand>,
    inFlight: TopicTail<StartCommand>,
  ): Promise<void> => {
    let sent = 0;
    while (sent < evs.length) {
      await produceAll(evs.slice(sent, sent + 100));
      sent += 100;
      if (inFlight.seen.length > committed.seen.length + 20) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await inFlight.until((s) => s.length > committed.seen.length + 20, 60_000, 'uncommitted output');
    // the victim holds each transaction open for 300 ms after writing: output seen only uncommitted is in an open one
    await victim.kill('SIGKILL');
    await produceAll(evs.slice(sent));
  };

  /** exactly N committed commands: all the events' executions, each once */
  const expectExactlyOnce = async (committed: TopicTail<StartCommand>, evs: DomainEvent[]): Promise<void> => {
    await committed.until((s) => s.length >= N, 600_000, `${N} committed start commands`);
    // a duplicate would show up behind the last one: give it time
    await new Promise((r) => setTimeout(r, 5000));
    const ids = new Set(committed.seen.map((c) => c.executionId));
    const eventIds = new Set(committed.seen.map((c) => c.event.eventId));
    expect({ commands: committed.seen.length, distinctExecutions: ids.size, distinctEvents: eventIds.size }).toEqual({
      commands: N,
      distinctExecutions: N,
      distinctEvents: N,
    });
    expect(evs.every((e) => eventIds.has(e.eventId))).toBe(true);
  };

  it('one matcher, killed with SIGKILL mid-batch and restarted with the same instance id', async () => {
    const { org, workflowId } = await setup();
    const prefix = await freshGroup();
    const first = await startMatcher(prefix, 'mk-solo', 300);
    await first.waitReady(120_000);
    await indexed(first, workflowId);
    const committed = await commandsOf(prefix, org);
    const inFlight = await commandsOf(prefix, org, true);
    try {
      const evs = events(org);
      // kill while transactions are being written (the uncommitted reader already sees output), then
      // produce the rest while it is down
      await killMidTransaction(first, evs.slice(0, 3000), committed, inFlight);
      const committedAtKill = committed.seen.length;
      await produceAll(evs.slice(3000));
      const second = await startMatcher(prefix, 'mk-solo');
      await second.waitReady(120_000);
      await expectExactlyOnce(committed, evs);
      // writes of the transaction the kill interrupted (visible to read_uncommitted only) were aborted, not committed
      console.log(JSON.stringify({ measure: 'matcher_kill_solo', committedAtKill, uncommittedWritesDiscarded: inFlight.seen.length - N }));
      expect(committedAtKill).toBeLessThan(N);
      expect(inFlight.seen.length).toBeGreaterThan(N);
    } finally {
      await committed.stop();
      await inFlight.stop();
    }
  });

  it('two matchers sharing the load, one killed mid-batch and restarted', async () => {
    const { org, workflowId } = await setup();
    const prefix = await freshGroup();
    const a = await startMatcher(prefix, 'mk-a', 300);
    const b = await startMatcher(prefix, 'mk-b');
    await Promise.all([a.waitReady(120_000), b.waitReady(120_000)]);
    await Promise.all([indexed(a, workflowId), indexed(b, workflowId)]);
    // both members hold partitions before the batch arrives
    await new Promise((r) => setTimeout(r, 3000));
    const committed = await commandsOf(prefix, org);
    const inFlight = await commandsOf(prefix, org, true);
    try {
      const evs = events(org);
      await killMidTransaction(a, evs.slice(0, 3000), committed, inFlight);
      const committedAtKill = committed.seen.length;
      await produceAll(evs.slice(3000));
      const a2 = await startMatcher(prefix, 'mk-a');
      await a2.waitReady(120_000);
      await expectExactlyOnce(committed, evs);
      console.log(JSON.stringify({ measure: 'matcher_kill_pair', committedAtKill, uncommittedWritesDiscarded: inFlight.seen.length - N }));
      expect(inFlight.seen.length).toBeGreaterThan(N);
    } finally {
      await committed.stop();
      await inFlight.stop();
    }
  });
});
