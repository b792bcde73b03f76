import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DAY_MS, RETENTION, type DomainEvent } from '@fixlify/contracts';
import {
  createLogPartition,
  pruneOrganizationLogs,
  createReplay,
  dropExpiredLogPartitions,
  ensureLogPartitions,
  logPartitions,
  partitionName,
  pruneTables,
  weekStart,
  WEEK_MS,
  type ReplayJob,
} from '@fixlify/db';
import { topicRetentionMs } from '@fixlify/kafka';
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

jest.setTimeout(300_000);

/**
 * The storage lifecycle on the real stack (README "Storage"):
 * - the dedupe (claims, ledger) outlives the events that could be replayed: after pruning, a replay
 *   of the oldest events the topic still keeps starts nothing twice, and only claims older than the
 *   topic's retention plus the margin are gone;
 * - execution logs go a weekly partition at a time after their retention, not while one of the
 *   week's executions is under way, and aggregated metrics stay;
 * - the metrics service runs the lifecycle and exports the database's and the brokers' disk use.
 */
describe('storage lifecycle: pruning, partitions, disk metrics', () => {
  let pool: Pool;
  let kafka: Kafka;
  let admin: Admin;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const tag = `${process.pid}-${Date.now()}`;
  const eventsTopic = `test.storage-events.${tag}`;
  const laneTopic = `test.storage-lane.${tag}`;
  const liveTopic = `test.storage-live.${tag}`;
  // the replay window this test's events topic promises
  const RETENTION_MS = 6 * 3600_000;
  const now = Date.now();
  const oldestKept = now - RETENTION_MS + 20 * 60_000;
  const recent = now - 30 * 60_000;
  const EVENTS = 60;
  let org = '';
  let workflow = { workflowId: '', versionId: '', version: 0 };
  const eventAt = new Map<string, number>();

  const event = (at: number): DomainEvent => ({
    v: 1,
    eventId: randomUUID(),
    type: 'job_created',
    organizationId: org,
    entityType: 'job',
    entityId: randomUUID(),
    before: null,
    after: { title: 'Boiler service' },
    occurredAt: new Date(at).toISOString(),
    emittedAt: new Date(at).toISOString(),
    workflowId: null,
    causation: null,
    data: {},
    source: { kind: 'cdc', table: 'jobs', lsn: '1', txId: '1' },
  });
  const replay = async (from: number): Promise<ReplayJob> => {
    const created = await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: workflow.workflowId,
        versionId: workflow.versionId,
        version: workflow.version,
        mode: 'run',
        force: false,
        from: new Date(from),
        to: new Date(now),
        filters: {},
        ratePerSecond: 2000,
        createdBy: null,
      },
      10,
    );
    return replayFinished(pool, org, created!.id);
  };
  const hooks = () => receiver.received.filter((r) => r.path === '/hooks/storage');

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    receiver = await startWebhookReceiver();
    await admin.createTopics({
      topics: [
        { topic: eventsTopic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: String(RETENTION_MS) }] },
        ...[laneTopic, liveTopic].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      ],
      waitForLeaders: true,
    });
    org = await createOrganization(pool, { name: 'Storage Plumbing' });
    await setWebhookSigningSecret(pool, org, 'storage-webhook-signing-secret-01');
    workflow = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
        { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/storage`, payload: '{"n":1}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
    });
    // the oldest events the topic keeps, and recent ones
    const messages: { key: string; value: string; timestamp: string }[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const at = (i % 2 === 0 ? oldestKept : recent) + i;
      const e = event(at);
      eventAt.set(e.eventId, at);
      messages.push({ key: `${org}:${e.entityId}`, value: JSON.stringify(e), timestamp: String(at) });
    }
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: eventsTopic, messages });
    await producer.disconnect();
    await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
    const env = {
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
      REPLAY_EVENTS_TOPIC: eventsTopic,
      REPLAY_COMMANDS_TOPIC: laneTopic,
      EXECUTOR_REPLAY_TOPIC: laneTopic,
      EXECUTOR_COMMANDS_TOPIC: liveTopic,
      REPLAY_SLICE_MS: '3000',
      REPLAY_POLL_MS: '200',
    };
    for (const name of ['executor', 'replay'] as const) services.push(await startService(name, env, `storage-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await admin?.disconnect();
    await pool?.end();
  });

  it('pruning keeps the dedupe of every event the topic still keeps: replaying the oldest of them starts nothing twice', async () => {
    const from = now - RETENTION_MS + 60_000;
    const first = await replay(from);
    expect(first.counts.started).toBe(EVENTS);
    await waitFor(async () => hooks().length >= EVENTS || undefined, 120_000, 'the backfilled webhooks');
    // the claims and the ledger rows as old as their events (a live execution is claimed when its event happens)
    const ids = await pool.query<{ id: string }>('SELECT execution_id AS id FROM automation_replay_starts WHERE replay_id = $1', [first.id]);
    expect(ids.rows).toHaveLength(EVENTS);
    await pool.query(
      `UPDATE automation_executions e SET created_at = to_timestamp(x.at / 1000.0) FROM automation_replay_starts s, unnest($2::text[], $3::bigint[]) AS x(event_id, at)
       WHERE s.replay_id = $1 AND s.execution_id = e.id AND s.event_id::text = x.event_id`,
      [first.id, [...eventAt.keys()], [...eventAt.values()]],
    );
    await pool.query(
      `UPDATE automation_deliveries d SET created_at = e.created_at FROM automation_executions e WHERE d.execution_id = e.id AND e.organization_id = $1`,
      [org],
    );
    const oldestClaim = await pool.query<{ at: Date }>('SELECT min(created_at) AS at FROM automation_executions WHERE organization_id = $1', [org]);
    expect(oldestClaim.rows[0]!.at.getTime()).toBeLessThanOrEqual(oldestKept + EVENTS);

    // claims of executions whose events the topic can no longer hold: just past the cutoff, and just inside it
    const retentionMs = await topicRetentionMs(admin, eventsTopic);
    expect(retentionMs).toBe(RETENTION_MS);
    const pruneAt = new Date();
    const cutoff = pruneAt.getTime() - retentionMs - RETENTION.dedupeMarginDays * DAY_MS;
    const expired = Array.from({ length: 30 }, () => randomUUID());
    const inside = Array.from({ length: 10 }, () => randomUUID());
    const claim = (ids: string[], at: number) =>
      pool.query(
        `INSERT INTO automation_executions (id, organization_id, workflow_id, state, last_command_id, last_command_position, progress, created_at)
         SELECT id, $2, $3, 'completed', 'old', 'old', 0, $4 FROM unnest($1::uuid[]) AS id`,
        [ids, org, workflow.workflowId, new Date(at)],
      );
    await claim(expired, cutoff - 60_000);
    await claim(inside, cutoff + 60_000);
    await pool.query(
      `INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, created_at)
       SELECT id || ':notify', $2, id, 'webhook', 'delivered', $3 FROM unnest($1::uuid[]) AS id`,
      [expired, org, new Date(cutoff - 60_000)],
    );

    const outcome = await pruneTables(pool, { now: pruneAt, eventsRetentionMs: retentionMs });
    expect(outcome.find((o) => o.table === 'automation_executions')!.deleted).toBeGreaterThanOrEqual(expired.length);
    expect(outcome.find((o) => o.table === 'automation_executions')!.cutoff).toBe(new Date(cutoff).toISOString());
    const left = await pool.query<{ id: string }>('SELECT id FROM automation_executions WHERE organization_id = $1', [org]);
    const leftIds = new Set(left.rows.map((r) => r.id));
    expect(expired.filter((id) => leftIds.has(id))).toEqual([]);
    expect(inside.every((id) => leftIds.has(id))).toBe(true);
    expect(ids.rows.every((r) => leftIds.has(r.id))).toBe(true);
    const ledger = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM automation_deliveries WHERE organization_id = $1`, [org]);
    expect(ledger.rows[0]!.n).toBe(EVENTS);
    // with an unlimited events retention nothing that dedupes is ever pruned
    const unlimited = await pruneTables(pool, { now: pruneAt, eventsRetentionMs: -1 });
    expect(unlimited.find((o) => o.table === 'automation_executions')).toMatchObject({ deleted: 0, cutoff: null });

    // the oldest retained events replayed again: nothing starts, nothing is sent twice
    const again = await replay(from);
    expect(again.status).toBe('completed');
    expect(again.counts.started).toBe(0);
    expect((again.counts.skipped.already_executed ?? 0) + (again.counts.skipped.already_replayed ?? 0)).toBe(EVENTS);
    await new Promise((r) => setTimeout(r, 3000));
    expect(hooks()).toHaveLength(EVENTS);
    expect(new Set(hooks().map((h) => h.idempotencyKey)).size).toBe(EVENTS);
  });

  it('drops execution logs a week at a time after their retention, keeps a week with an execution under way, and keeps the metrics', async () => {
    const at = new Date();
    const weekA = weekStart(new Date(at.getTime() - 20 * WEEK_MS));
    const weekB = new Date(weekA.getTime() + WEEK_MS);
    for (const w of [weekA, weekB]) if (!(await logPartitions(pool)).some((p) => p.name === partitionName(w))) await createLogPartition(pool, w);
    const log = (status: string, createdAt: Date) =>
      pool.query(`INSERT INTO automation_execution_logs (id, organization_id, workflow_id, version_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        randomUUID(),
        org,
        workflow.workflowId,
        workflow.versionId,
        status,
        createdAt,
      ]);
    for (let i = 0; i < 3; i++) await log('completed', new Date(weekA.getTime() + i * 3600_000));
    await log('completed', new Date(weekB.getTime() + 3600_000));
    await log('waiting', new Date(weekB.getTime() + 7200_000));
    // a week with no partition (the lifecycle did not run): its rows wait in DEFAULT and expire too
    await log('completed', new Date(weekA.getTime() - 10 * WEEK_MS));
    await log('completed', at);
    await pool.query(
      `INSERT INTO automation_metrics (workflow_id, organization_id, period, period_start, total_executions) VALUES ($1, $2, 'day', $3, 3)
       ON CONFLICT DO NOTHING`,
      [workflow.workflowId, org, weekA],
    );

    const r = await dropExpiredLogPartitions(pool, at, RETENTION.executionLogDays);
    expect(r.dropped).toContain(partitionName(weekA));
    expect(r.kept).toContain(partitionName(weekB));
    expect(r.defaultRowsDeleted).toBeGreaterThanOrEqual(1);
    const names = (await logPartitions(pool)).map((p) => p.name);
    expect(names).not.toContain(partitionName(weekA));
    expect(names).toContain(partitionName(weekB));
    const rows = await pool.query<{ status: string; created_at: Date }>(
      'SELECT status, created_at FROM automation_execution_logs WHERE organization_id = $1 ORDER BY created_at',
      [org],
    );
    expect(rows.rows.map((x) => x.status)).toEqual(['completed', 'waiting', 'completed']);
    expect(rows.rows[0]!.created_at.getTime()).toBe(weekB.getTime() + 3600_000);
    expect(rows.rows.some((x) => x.created_at.getTime() === at.getTime())).toBe(true);
    const metrics = await pool.query('SELECT 1 FROM automation_metrics WHERE workflow_id = $1 AND period_start = $2', [workflow.workflowId, weekA]);
    expect(metrics.rowCount).toBe(1);

    // once the week's last execution has finished, its partition goes at the next pass
    await pool.query(`UPDATE automation_execution_logs SET status = 'completed' WHERE organization_id = $1 AND status = 'waiting'`, [org]);
    expect((await dropExpiredLogPartitions(pool, at, RETENTION.executionLogDays)).dropped).toContain(partitionName(weekB));

    // partitions exist for this week and the three after it
    await ensureLogPartitions(pool, at);
    const ahead = (await logPartitions(pool)).map((p) => p.name);
    for (let i = 0; i <= 3; i++) expect(ahead).toContain(partitionName(new Date(weekStart(at).getTime() + i * WEEK_MS)));
  });

  it('an organization that keeps its execution logs for less than the deployment loses its older finished ones, and only those', async () => {
    const short = await createOrganization(pool, { name: 'Short Memory Plumbing' });
    await pool.query('UPDATE organizations SET execution_log_retention_days = 7 WHERE id = $1', [short]);
    const at = new Date();
    const log = (organizationId: string, status: string, ageDays: number) =>
      pool.query(
        `INSERT INTO automation_execution_logs (id, organization_id, workflow_id, version_id, status, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [randomUUID(), organizationId, workflow.workflowId, workflow.versionId, status, new Date(at.getTime() - ageDays * DAY_MS)],
      );
    const oldShort = (await log(short, 'completed', 10)).rows[0].id as string;
    const oldWaiting = (await log(short, 'waiting', 10)).rows[0].id as string;
    const recentShort = (await log(short, 'failed', 3)).rows[0].id as string;
    const oldOther = (await log(org, 'completed', 10)).rows[0].id as string;
    const r = await pruneOrganizationLogs(pool, { now: at, deploymentDays: RETENTION.executionLogDays });
    expect(r.deleted).toBeGreaterThanOrEqual(1);
    const left = new Set(
      (
        await pool.query<{ id: string }>('SELECT id FROM automation_execution_logs WHERE id = ANY($1::uuid[])', [[oldShort, oldWaiting, recentShort, oldOther]])
      ).rows.map((x) => x.id),
    );
    expect([oldShort, oldWaiting, recentShort, oldOther].map((id) => left.has(id))).toEqual([false, true, true, true]);
    // a retention outside 1–3650 days is refused by the schema
    await expect(pool.query('UPDATE organizations SET execution_log_retention_days = 0 WHERE id = $1', [short])).rejects.toThrow(/check constraint/);
  });

  it('the metrics service runs the lifecycle and exports the disk use of the database and of every topic', async () => {
    const metrics = await startService('metrics', { LIFECYCLE_INTERVAL_MS: '2000' }, 'storage-metrics');
    services.push(metrics);
    await metrics.waitReady(90_000);
    const read = async () => (await fetch(`http://127.0.0.1:${metrics.port}/metrics`)).text();
    const value = (text: string, name: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(name));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const text = await waitFor(
      async () => {
        const t = await read();
        return (value(t, 'fixlify_lifecycle_last_success_timestamp_seconds') ?? 0) > 0 && value(t, 'fixlify_kafka_log_bytes{topic="automation.events.v1"}')
          ? t
          : undefined;
      },
      60_000,
      'a lifecycle pass and the disk gauges',
    );
    expect(value(text, 'fixlify_database_bytes')).toBeGreaterThan(1_000_000);
    expect(value(text, 'fixlify_table_bytes{table="automation_execution_logs"}')).toBeGreaterThan(0);
    expect(value(text, 'fixlify_kafka_log_bytes{topic="automation.events.v1"}')).toBeGreaterThan(0);
    expect(value(text, `fixlify_kafka_log_bytes{topic="${eventsTopic}"}`)).toBeGreaterThan(0);
    // the live projection has a snapshot, for rebuilds after the oldest results are gone
    expect(value(text, 'fixlify_projection_snapshot_timestamp_seconds')).toBeGreaterThan(now / 1000 - RETENTION.snapshotEveryHours * 3600);
  });
});
