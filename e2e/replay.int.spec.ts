import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import { executionId, type DomainEvent } from '@fixlify/contracts';
import { createReplay, getReplay, type ReplayJob } from '@fixlify/db';
import {
  allowLoopback,
  createActiveWorkflow,
  createOrganization,
  setWebhookSigningSecret,
  startService,
  startWebhookReceiver,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
  replayFinished,
} from '@fixlify/testing';

/**
 * Replays (backfills) on the real stack: the replay service scans an events topic of this test,
 * the executor drains the replay lane (a topic of this test too) and calls a webhook receiver.
 * A dry run counts and sends nothing; a run starts only what is missing; running it again starts
 * nothing; a forced run starts new, distinct executions; the replay service killed mid-run
 * resumes from its cursor and ends with the same counts.
 */
describe('replay (backfill)', () => {
  let pool: Pool;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const tag = `${process.pid}-${Date.now()}`;
  const eventsTopic = `test.replay-events.${tag}`;
  const laneTopic = `test.replay-lane.${tag}`;
  const liveTopic = `test.replay-live.${tag}`;
  let org = '';
  let other = '';
  let workflow = { workflowId: '', versionId: '', version: 0 };
  const matching: DomainEvent[] = [];
  const MATCHING = 200;
  const NOT_MATCHING = 100;
  const LIVE_ALREADY = 20;
  const now = Date.now();
  const inRange = now - 30 * 60_000;
  const before = now - 3 * 3600_000;
  const env = (): Record<string, string> => ({
    OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
    REPLAY_EVENTS_TOPIC: eventsTopic,
    REPLAY_COMMANDS_TOPIC: laneTopic,
    EXECUTOR_REPLAY_TOPIC: laneTopic,
    EXECUTOR_COMMANDS_TOPIC: liveTopic,
    REPLAY_SLICE_MS: '3000',
    REPLAY_LEASE_MS: '4000',
    REPLAY_POLL_MS: '200',
    REPLAY_GROUP_SWEEP_MS: '2000',
  });

  const event = (o: { org: string; title: string; at: number }): DomainEvent => ({
    v: 1,
    eventId: randomUUID(),
    type: 'job_created',
    organizationId: o.org,
    entityType: 'job',
    entityId: randomUUID(),
    before: null,
    after: { title: o.title },
    occurredAt: new Date(o.at).toISOString(),
    emittedAt: new Date(o.at).toISOString(),
    workflowId: null,
    causation: null,
    data: {},
    source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
  });

  const job = async (mode: 'dry_run' | 'run', force = false): Promise<ReplayJob> => {
    const created = await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: workflow.workflowId,
        versionId: workflow.versionId,
        version: workflow.version,
        mode,
        force,
        from: new Date(now - 3600_000),
        to: new Date(now),
        filters: {},
        ratePerSecond: 2000,
        createdBy: null,
      },
      10,
    );
    return created!;
  };
  const finished = (id: string, timeoutMs = 120_000): Promise<ReplayJob> => replayFinished(pool, org, id, timeoutMs);
  const keys = (): Set<string> => new Set(receiver.received.filter((r) => r.path === '/hooks/replay').map((r) => r.idempotencyKey ?? ''));

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    receiver = await startWebhookReceiver();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [eventsTopic, laneTopic, liveTopic].map((topic) => ({
        topic,
        numPartitions: 3,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: '3600000000' }],
      })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    org = await createOrganization(pool, { name: 'Replay Plumbing' });
    other = await createOrganization(pool, { name: 'Replay Stranger' });
    await setWebhookSigningSecret(pool, org, 'replay-webhook-signing-secret-0123');
    workflow = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'boiler' } } },
        { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/replay`, payload: '{"n":1}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
    });
    // history: matching and non-matching events of the organization in the range, some before it, and a stranger's
    const producer = kafka.producer();
    await producer.connect();
    const messages: { key: string; value: string; timestamp: string }[] = [];
    for (let i = 0; i < MATCHING; i++) {
      const e = event({ org, title: `Replace boiler ${i}`, at: inRange });
      matching.push(e);
      messages.push({ key: `${org}:${e.entityId}`, value: JSON.stringify(e), timestamp: String(inRange + i) });
    }
    for (let i = 0; i < NOT_MATCHING; i++)
      messages.push({ key: `${org}:x${i}`, value: JSON.stringify(event({ org, title: `Fence ${i}`, at: inRange })), timestamp: String(inRange + i) });
    for (let i = 0; i < 30; i++)
      messages.push({ key: `${org}:old${i}`, value: JSON.stringify(event({ org, title: `Old boiler ${i}`, at: before })), timestamp: String(before + i) });
    for (let i = 0; i < 50; i++)
      messages.push({
        key: `${other}:s${i}`,
        value: JSON.stringify(event({ org: other, title: `Stranger boiler ${i}`, at: inRange })),
        timestamp: String(inRange + i),
      });
    await producer.send({ topic: eventsTopic, messages });
    await producer.disconnect();
    // the live matcher had already run some of them: their executions exist
    const live = matching.slice(0, LIVE_ALREADY).map((e) => executionId(workflow.versionId, e.eventId));
    await pool.query(
      `INSERT INTO automation_executions (id, organization_id, workflow_id, state, last_command_id, last_command_position, progress)
       SELECT id, $2, $3, 'completed', 'live', 'live', 0 FROM unnest($1::uuid[]) AS id`,
      [live, org, workflow.workflowId],
    );
    // no other test's unfinished replay is runnable by this test's runner
    await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
    for (const name of ['executor', 'replay'] as const) services.push(await startService(name, env(), `replay-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await pool?.end();
  });

  it('a dry run counts what would start and sends nothing', async () => {
    const j = await finished((await job('dry_run')).id);
    expect(j.status).toBe('completed');
    expect(j.counts).toMatchObject({ scanned: MATCHING + NOT_MATCHING, matched: MATCHING, started: MATCHING - LIVE_ALREADY, unreadable: 0 });
    expect(j.counts.skipped).toEqual({ already_executed: LIVE_ALREADY });
    expect(j.counts.notMatched).toEqual({ filter: NOT_MATCHING });
    await new Promise((r) => setTimeout(r, 1500));
    expect(keys().size).toBe(0);
  });

  it('a run starts only what is missing, each once; backfilled executions are marked', async () => {
    const created = await job('run');
    const j = await finished(created.id);
    expect(j.counts).toMatchObject({ scanned: MATCHING + NOT_MATCHING, matched: MATCHING, started: MATCHING - LIVE_ALREADY });
    expect(j.counts.skipped).toEqual({ already_executed: LIVE_ALREADY });
    await waitFor(
      async () => keys().size >= MATCHING - LIVE_ALREADY,
      120_000,
      'the backfilled webhooks',
      200,
      () => `${keys().size} received`,
    );
    const marked = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM automation_executions WHERE replay_id = $1`, [created.id]);
    expect(marked.rows[0]!.n).toBe(MATCHING - LIVE_ALREADY);
    await new Promise((r) => setTimeout(r, 2000));
    expect(keys().size).toBe(MATCHING - LIVE_ALREADY);
    expect(receiver.received.filter((r) => r.path === '/hooks/replay').length).toBe(MATCHING - LIVE_ALREADY);
  });

  it('the same run again starts nothing twice', async () => {
    const j = await finished((await job('run')).id);
    expect(j.counts.started).toBe(0);
    expect((j.counts.skipped.already_executed ?? 0) + (j.counts.skipped.already_replayed ?? 0)).toBe(MATCHING);
    await new Promise((r) => setTimeout(r, 3000));
    expect(keys().size).toBe(MATCHING - LIVE_ALREADY);
  });

  it('a forced run starts new, distinct executions for every match', async () => {
    const created = await job('run', true);
    const j = await finished(created.id);
    expect(j.counts.started).toBe(MATCHING);
    await waitFor(
      async () => keys().size >= 2 * MATCHING - LIVE_ALREADY,
      120_000,
      'the forced webhooks',
      200,
      () => `${keys().size} received`,
    );
    const ids = await pool.query<{ execution_id: string }>(`SELECT execution_id FROM automation_replay_starts WHERE replay_id = $1`, [created.id]);
    expect(ids.rows.map((r) => r.execution_id).sort()).toEqual(matching.map((e) => executionId(`replay:${created.id}`, e.eventId)).sort());
  });

  it('the replay service killed mid-run: the job resumes from its cursor and ends with the same counts', async () => {
    const replay = services.find((s) => s.name === 'replay')!;
    const created = await job('run', true);
    // slow enough to be caught in the middle: 200 starts at 40/s take ~5 s
    await pool.query(`UPDATE automation_replays SET rate_per_second = 40 WHERE id = $1`, [created.id]);
    await waitFor(
      async () => {
        const j = await getReplay(pool, org, created.id);
        return j && j.counts.started > 0 && j.counts.started < MATCHING ? j : null;
      },
      60_000,
      'the forced run to be under way',
      50,
    );
    await replay.kill('SIGKILL');
    const restarted = await startService('replay', env(), 'replay-replay-2');
    services.push(restarted);
    await restarted.waitReady(90_000);
    const j = await finished(created.id, 180_000);
    expect(j.status).toBe('completed');
    expect(j.counts).toMatchObject({ scanned: MATCHING + NOT_MATCHING, matched: MATCHING, started: MATCHING });
    expect(j.counts.skipped).toEqual({});
    await waitFor(
      async () => keys().size >= 3 * MATCHING - LIVE_ALREADY,
      120_000,
      'the resumed run webhooks',
      200,
      () => `${keys().size} received`,
    );
    await new Promise((r) => setTimeout(r, 2000));
    // every webhook once: distinct keys equal requests
    expect(receiver.received.filter((r) => r.path === '/hooks/replay').length).toBe(3 * MATCHING - LIVE_ALREADY);
    // the killed runner's scan group goes once its dead member's session (30 s) expires
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor(
        async () => (await admin.listGroups()).groups.every((g) => !g.groupId.includes(`-replay-${created.id}-`)),
        90_000,
        "the killed runner's scan group to be swept",
        1000,
      );
    } finally {
      await admin.disconnect();
    }
  });
});
