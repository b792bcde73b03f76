import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import type { StepResult } from '@fixlify/contracts';
import { REPO_ROOT, startService, testKafka, testPool, waitFor, type ServiceProcess } from '@fixlify/testing';
import { createLogger } from '@fixlify/kafka';
import { dropProjectionSchema, projectionTarget } from '../projection/target';
import { rebuildProjection } from './rebuild-projection';
import { dropSnapshot } from '../projection/snapshot';
import { expectedProjection, snapshotProjection } from '../testing/projection-snapshot';
import { syntheticStepResults } from '../testing/synthetic-step-results';

/**
 * Exactly-once projection under a crash, and the rebuild, on a private topic (so the expected
 * tables are known exactly): a projector SIGKILLed mid-run and restarted ends with the same rows as
 * an uninterrupted rebuild and as the pure fold of the results; an in-place rebuild while the live
 * projector runs pauses it (advisory lock) and ends identical too.
 */
jest.setTimeout(300_000);

describe('projection: crash, restart and rebuild', () => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const topic = `test.projection-crash.${tag}`;
  const live = projectionTarget(`t_proj_live_${tag}`);
  const rebuilt = projectionTarget(`t_proj_rebuilt_${tag}`);
  const orgs = [randomUUID(), randomUUID(), randomUUID()];
  const produced: StepResult[] = [];
  let pool: Pool;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let projector: ServiceProcess | undefined;
  const env = {
    METRICS_TOPIC: topic,
    METRICS_SCHEMA: live.schema,
    METRICS_PROJECTION_NAME: `crash-test-${tag}`,
    FIXLIFY_START_FROM: 'earliest',
    // small fetches: many batches, so the kill lands between and inside transactions
    METRICS_MAX_BYTES_PER_PARTITION: '32768',
    METRICS_CONCURRENCY: '2',
  };

  const produce = async (executions: number, seed: string): Promise<void> => {
    const batch: StepResult[] = [
      ...syntheticStepResults({ organizationIds: orgs, workflowsPerOrg: 4, executions, startMs: Date.now() - 3_600_000, seed: `${tag}|${seed}` }),
    ];
    for (let i = 0; i < batch.length; i += 2000)
      await producer.send({ topic, messages: batch.slice(i, i + 2000).map((r) => ({ key: r.executionId, value: JSON.stringify(r) })) });
    produced.push(...batch);
  };
  const ends = async (): Promise<number> => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  const projected = async (): Promise<number> => {
    const r = await pool.query<{ n: string }>(
      `SELECT coalesce(sum(next_offset), 0) AS n FROM "${live.schema}".automation_projection_offsets WHERE consumer = $1`,
      [env.METRICS_PROJECTION_NAME],
    );
    return Number(r.rows[0]!.n);
  };

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await produce(8000, 'first');
  });

  afterAll(async () => {
    await projector?.kill('SIGTERM');
    await producer?.disconnect();
    await admin?.disconnect();
    if (pool)
      for (const t of [live, rebuilt]) {
        await dropProjectionSchema(pool, t).catch(() => undefined);
        await dropSnapshot(pool, t).catch(() => undefined);
      }
    await pool?.end();
  });

  it('a projector SIGKILLed mid-run and restarted ends with the same rows as an uninterrupted rebuild', async () => {
    const total = await ends();
    expect(total).toBe(produced.length);
    projector = await startService('metrics', env, 'projection-crash-1');
    await waitFor(async () => (await projected().catch(() => 0)) > total * 0.1, 120_000, 'the projector to be part-way');
    await projector.kill('SIGKILL');
    const atKill = await projected();
    expect(atKill).toBeLessThan(total); // otherwise the kill proved nothing

    projector = await startService('metrics', env, 'projection-crash-2');
    await waitFor(async () => (await projected()) === total, 180_000, 'the restarted projector to catch up');

    // the uninterrupted run: the rebuild command, into its own schema
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', 'services/metrics/src/rebuild.ts', '--schema', rebuilt.schema, '--topic', topic, '--name', 'rebuild-check'],
      { cwd: REPO_ROOT, env: process.env, maxBuffer: 64 * 1024 * 1024 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { results: number; executionLogs: number; resultsPerSecond: number };
    expect(report.results).toBe(total);

    const expected = expectedProjection(produced);
    const afterCrash = await snapshotProjection(pool, live, 'all');
    const fromRebuild = await snapshotProjection(pool, rebuilt, 'all');
    expect(afterCrash.logs).toHaveLength(expected.logs.length);
    expect(report.executionLogs).toBe(expected.logs.length);
    expect(afterCrash).toEqual(expected);
    expect(fromRebuild).toEqual(afterCrash);
    // backfilled executions are counted apart, beside the totals, and a rebuild reproduces them
    const hourly = afterCrash.metrics.filter((m) => m.period === 'hour');
    const sum = (col: string): number => hourly.reduce((n, m) => n + Number(m[col]), 0);
    const finishedBackfills = afterCrash.logs.filter((l) => l.replay_id !== null && (l.status === 'completed' || l.status === 'failed'));
    expect(finishedBackfills.length).toBeGreaterThan(0);
    expect(sum('backfilled_executions')).toBe(finishedBackfills.length);
    expect(sum('backfilled_failed_executions')).toBe(finishedBackfills.filter((l) => l.status === 'failed').length);
    expect(sum('backfilled_executions')).toBeLessThan(sum('total_executions'));
    expect(sum('backfilled_messages')).toBeGreaterThan(0);
  });

  it('an in-place rebuild while the live projector runs pauses it, and both end identical to the log', async () => {
    // more results arrive before and during the rebuild
    await produce(1500, 'second');
    const before = produced.length;
    const log = createLogger('projection-crash-test');
    const rebuilding = rebuildProjection({
      pool,
      kafka,
      log,
      command: { topic, target: live, consumerName: env.METRICS_PROJECTION_NAME, groupId: `t-rebuild-${tag}`, concurrency: 2 },
    });
    await produce(1500, 'third');
    const report = await rebuilding;
    expect(report.results).toBeGreaterThanOrEqual(before);
    const total = await ends();
    expect(total).toBe(produced.length);
    await waitFor(async () => (await projected()) === total, 180_000, 'the live projector to catch up after the rebuild');
    expect(projector!.exited()).toBe(false);
    expect(await snapshotProjection(pool, live, 'all')).toEqual(expectedProjection(produced));
  });

  it('a rebuild killed half-way is finished by the live projector, and its deferred indexes come back', async () => {
    await produce(5000, 'fourth');
    const total = await ends();
    const rebuild = spawn(
      process.execPath,
      [
        '-r',
        '@swc-node/register',
        'services/metrics/src/rebuild.ts',
        '--schema',
        live.schema,
        '--topic',
        topic,
        '--name',
        env.METRICS_PROJECTION_NAME,
        '--fetch-mb',
        '1',
        '--concurrency',
        '1',
      ],
      {
        cwd: REPO_ROOT,
        env: process.env,
        stdio: 'ignore',
      },
    );
    const gone = new Promise((r) => rebuild.once('exit', r));
    // wait until the rebuild has cleared the projection and projected a part of it
    await waitFor(
      async () => {
        const n = await projected();
        return n > 0 && n < total * 0.5;
      },
      120_000,
      'the rebuild to be part-way',
    );
    rebuild.kill('SIGKILL');
    await gone;
    expect(await projected()).toBeLessThan(total);
    const deferred = await pool.query('SELECT index_name FROM automation_projection_deferred_indexes WHERE schema_name = $1', [live.schema]);
    expect(deferred.rows.length).toBeGreaterThanOrEqual(3);

    // the live projector, ahead in Kafka, rewinds to the stored position and finishes the job
    await waitFor(async () => (await projected()) === total, 180_000, 'the live projector to finish the interrupted rebuild');
    expect(await snapshotProjection(pool, live, 'all')).toEqual(expectedProjection(produced));

    // its next start creates the indexes the dead rebuild had dropped
    await projector!.kill('SIGTERM');
    projector = await startService('metrics', env, 'projection-crash-3');
    await projector.waitReady(90_000);
    const indexes = await pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'automation_execution_logs'`,
      [live.schema],
    );
    expect(indexes.rows.length).toBe(4);
    expect((await pool.query('SELECT 1 FROM automation_projection_deferred_indexes WHERE schema_name = $1', [live.schema])).rowCount).toBe(0);
  });

  it('after retention removes the oldest results, a rebuild starts from the snapshot and equals the live projection; without a snapshot it is refused', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'services/metrics/src/rebuild.ts', '--topic', topic, ...args], {
        cwd: REPO_ROOT,
        env: process.env,
        maxBuffer: 64 * 1024 * 1024,
      });
    // executions that straddle the snapshot: their first results before it, their last after it
    const batch = [
      ...syntheticStepResults({ organizationIds: orgs, workflowsPerOrg: 4, executions: 2000, startMs: Date.now() - 1_800_000, seed: `${tag}|fifth` }),
    ];
    const cut = Math.floor(batch.length * 0.6);
    const send = async (rs: StepResult[]) => {
      for (let i = 0; i < rs.length; i += 2000)
        await producer.send({ topic, messages: rs.slice(i, i + 2000).map((r) => ({ key: r.executionId, value: JSON.stringify(r) })) });
      produced.push(...rs);
    };
    await send(batch.slice(0, cut));
    await waitFor(async () => (await projected()) === (await ends()), 180_000, 'the live projector to catch up before the snapshot');
    const { stdout: snapOut } = await cli('--schema', live.schema, '--name', env.METRICS_PROJECTION_NAME, '--take-snapshot');
    const snap = JSON.parse(snapOut.trim().split('\n').pop()!) as { offsets: Record<string, string>; executionLogs: number };
    expect(Object.values(snap.offsets).reduce((n, o) => n + Number(o), 0)).toBe(await ends());
    await send(batch.slice(cut));
    const total = await ends();
    await waitFor(async () => (await projected()) === total, 180_000, 'the live projector to catch up after the snapshot');

    // retention takes the results up to the snapshot (the broker moves each partition's log start, as retention.ms does)
    await admin.deleteTopicRecords({
      topic,
      partitions: Object.entries(snap.offsets).map(([partition, offset]) => ({ partition: Number(partition), offset })),
    });
    const lows = await admin.fetchTopicOffsets(topic);
    expect(lows.every((p) => p.low === snap.offsets[p.partition])).toBe(true);
    expect(lows.some((p) => Number(p.low) > 0)).toBe(true);

    // no snapshot of its own and none named: refused, with what is gone
    await dropProjectionSchema(pool, rebuilt);
    const refused = await cli('--schema', rebuilt.schema, '--name', 'rebuild-check').then(
      () => null,
      (e: { stdout: string; stderr: string }) => `${e.stdout}${e.stderr}`,
    );
    expect(refused).toMatch(/oldest step results of .* are gone .* has no snapshot/);

    // from the live projection's snapshot: the results after it are folded onto it
    const { stdout } = await cli('--schema', rebuilt.schema, '--name', 'rebuild-check', '--snapshot-of', live.schema);
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { from: string; results: number; executionLogs: number };
    expect(report.from).toBe('snapshot');
    expect(report.results).toBe(total - Object.values(snap.offsets).reduce((n, o) => n + Number(o), 0));
    const expected = expectedProjection(produced);
    const liveNow = await snapshotProjection(pool, live, 'all');
    expect(liveNow).toEqual(expected);
    expect(await snapshotProjection(pool, rebuilt, 'all')).toEqual(liveNow);

    // and in place, beside the running live projector: the same rows again
    const inPlace = await rebuildProjection({
      pool,
      kafka,
      log: createLogger('projection-snapshot-test'),
      command: { topic, target: live, consumerName: env.METRICS_PROJECTION_NAME, groupId: `t-rebuild-snap-${tag}`, concurrency: 2 },
    });
    expect(inPlace.from).toBe('snapshot');
    await waitFor(async () => (await projected()) === total, 180_000, 'the live projector to catch up after the in-place rebuild');
    expect(await snapshotProjection(pool, live, 'all')).toEqual(expected);
    // asked to start from the beginning anyway, it says what it folded: only what is left
    const partial = await cli('--schema', rebuilt.schema, '--name', 'rebuild-check', '--from', 'beginning');
    expect((JSON.parse(partial.stdout.trim().split('\n').pop()!) as { from: string; executionLogs: number }).executionLogs).toBeLessThan(expected.logs.length);
  });
});
