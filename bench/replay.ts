/**
 * `npm run bench -- replay [--events N] [--match-every K] [--live-rate R] [--live-seconds S] [--rate STARTS] [--lanes dedicated|shared] [--nice N]`
 *
 * Replays (backfills) on the real stack, with the replay service and an executor as processes:
 * - N domain events (default 1,000,000) are written to an events topic of the bench's own, one
 *   organization's; every K-th (default 50) matches the workflow (a one-step webhook to a local
 *   receiver), the rest fail its filter;
 * - dry run: the whole range scanned and matched, nothing sent — events per second;
 * - live baseline: start commands at R/s (default 20) on a live commands topic of the bench's own
 *   for S seconds (default 15), command issued → webhook received, p50 / p99;
 * - backfill: a `run` replay of the range at STARTS/s (default 5,000) while the same live load
 *   runs: starts per second (replay job) and the live p99 beside the baseline.
 * Lanes: `dedicated` (default, as `npm start` runs them): one executor for live commands and one for
 * the replay lane at nice N (default 10), the replay service at nice N too; `shared`: one executor
 * runs both lanes (the lane yields to live batches only in-process), still with the replay service at N.
 * `--lanes shared --nice 0` is the design before the dedicated lane.
 * Prints one JSON line last: {"bench":"replay","events_per_s":…,"starts_per_s":…,"live_p99_ms":…,…}.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { WorkflowDefinition, type Command, type DomainEvent } from '@fixlify/contracts';
import { createReplay, getReplay, type ReplayJob } from '@fixlify/db';
import { parsePrometheusText, sampleSum, type PromExposition } from '@fixlify/kafka';
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
} from '@fixlify/testing';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      'match-every': { type: 'string', default: '50' },
      'live-rate': { type: 'string', default: '20' },
      'live-seconds': { type: 'string', default: '15' },
      rate: { type: 'string', default: '5000' },
      lanes: { type: 'string', default: 'dedicated' },
      nice: { type: 'string', default: '10' },
    },
    strict: true,
  });
  const total = Number(values.events);
  const every = Number(values['match-every']);
  const liveRate = Number(values['live-rate']);
  const liveSeconds = Number(values['live-seconds']);
  const lanes = values.lanes;
  if (lanes !== 'dedicated' && lanes !== 'shared') throw new Error(`--lanes is dedicated or shared, not ${lanes}`);
  const nice = values.nice;
  const pool: Pool = testPool();
  const kafka = testKafka();
  const receiver = await startWebhookReceiver();
  const tag = `${process.pid}-${Date.now()}`;
  const eventsTopic = `bench.replay-events.${tag}`;
  const laneTopic = `bench.replay-lane.${tag}`;
  const liveTopic = `bench.replay-live.${tag}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [eventsTopic, laneTopic, liveTopic].map((topic) => ({
      topic,
      numPartitions: 6,
      replicationFactor: 1,
      configEntries: [{ name: 'retention.ms', value: '86400000' }],
    })),
    waitForLeaders: true,
  });
  await admin.disconnect();
  const org = await createOrganization(pool, { name: 'Replay Bench' });
  await setWebhookSigningSecret(pool, org, 'replay-bench-signing-secret-0123');
  const wf = await createActiveWorkflow(pool, org, {
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'boiler' } } },
      { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/bench`, payload: '{"n":1}' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
  });

  // history: N events an hour ago, written in batches
  const at = Date.now() - 3600_000;
  const producer = kafka.producer();
  await producer.connect();
  const t0 = Date.now();
  const batch = 5000;
  for (let i = 0; i < total; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + batch); j++) {
      const entityId = randomUUID();
      const ev: DomainEvent = {
        v: 1,
        eventId: randomUUID(),
        type: 'job_created',
        organizationId: org,
        entityType: 'job',
        entityId,
        before: null,
        after: { title: j % every === 0 ? `Replace boiler ${j}` : `Fence ${j}`, total: '120.00', status: 'scheduled' },
        occurredAt: new Date(at).toISOString(),
        emittedAt: new Date(at).toISOString(),
        workflowId: null,
        causation: null,
        data: {},
        source: { kind: 'cdc', table: 'jobs', lsn: String(j), txId: String(j) },
      };
      messages.push({ key: `${org}:${entityId}`, value: JSON.stringify(ev), timestamp: String(at + Math.floor(j / 1000)) });
    }
    await producer.send({ topic: eventsTopic, messages });
  }
  await producer.disconnect();
  console.error(`wrote ${total} events in ${round((Date.now() - t0) / 1000)} s`);

  // nothing else runnable by these runners
  await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
  const env = {
    OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
    REPLAY_EVENTS_TOPIC: eventsTopic,
    REPLAY_COMMANDS_TOPIC: laneTopic,
    EXECUTOR_REPLAY_TOPIC: laneTopic,
    EXECUTOR_COMMANDS_TOPIC: liveTopic,
    REPLAY_CONCURRENCY: '1',
    REPLAY_NICE: nice,
    LOG_LEVEL: 'warn',
  };
  const services: ServiceProcess[] = [];
  if (lanes === 'dedicated') {
    services.push(await startService('executor', { ...env, EXECUTOR_LANES: 'live' }, 'bench-replay-executor'));
    services.push(await startService('executor', { ...env, EXECUTOR_LANES: 'replay', EXECUTOR_NICE: nice }, 'bench-replay-executor-lane'));
  } else services.push(await startService('executor', env, 'bench-replay-executor'));
  services.push(await startService('replay', env, 'bench-replay-replay'));
  await Promise.all(services.map((s) => s.waitReady(120_000)));

  const job = async (mode: 'dry_run' | 'run', ratePerSecond: number): Promise<ReplayJob> =>
    (await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: wf.workflowId,
        versionId: wf.versionId,
        version: wf.version,
        mode,
        force: false,
        from: new Date(at - 60_000),
        to: new Date(),
        filters: {},
        ratePerSecond,
        createdBy: null,
      },
      100,
    ))!;
  const finished = (id: string): Promise<ReplayJob> =>
    waitFor(
      async () => {
        const j = await getReplay(pool, org, id);
        return j && ['completed', 'failed', 'aborted'].includes(j.status) ? j : null;
      },
      3600_000,
      `replay ${id}`,
      250,
    );

  const definition = WorkflowDefinition.parse(
    (await pool.query<{ definition: unknown }>(`SELECT definition FROM automation_workflow_versions WHERE id = $1`, [wf.versionId])).rows[0]!.definition,
  );
  // live load: start commands straight onto the live topic, command issued → webhook received
  const live = async (seconds: number): Promise<number[]> => {
    const p = kafka.producer();
    await p.connect();
    const issued = new Map<string, number>();
    const end = Date.now() + seconds * 1000;
    let n = 0;
    while (Date.now() < end) {
      const executionId = randomUUID();
      const entityId = randomUUID();
      const cmd: Command = {
        v: 1,
        kind: 'start',
        executionId,
        organizationId: org,
        workflowId: wf.workflowId,
        versionId: wf.versionId,
        version: wf.version,
        issuedAt: new Date().toISOString(),
        definition,
        event: {
          v: 1,
          eventId: randomUUID(),
          type: 'job_created',
          organizationId: org,
          entityType: 'job',
          entityId,
          before: null,
          after: { title: `Live boiler ${n}` },
          occurredAt: new Date().toISOString(),
          emittedAt: new Date().toISOString(),
          workflowId: null,
          causation: null,
          data: {},
          source: { kind: 'cdc', table: 'jobs', lsn: '0', txId: '0' },
        },
        triggeredAt: new Date().toISOString(),
      };
      issued.set(`${executionId}:notify`, Date.now());
      await p.send({ topic: liveTopic, messages: [{ key: executionId, value: JSON.stringify(cmd) }] });
      n++;
      await sleep(Math.max(0, 1000 / liveRate));
    }
    await p.disconnect();
    await waitFor(async () => [...issued.keys()].every((k) => receiver.received.some((r) => r.idempotencyKey === k)), 120_000, 'the live webhooks');
    return [...issued].map(([k, t]) => new Date(receiver.received.find((r) => r.idempotencyKey === k)!.receivedAt).getTime() - t);
  };

  // per hop of the live executor, from its own histograms: message age (written to the log → its batch
  // committed) and batch duration (handling + commit); age − batch is the wait before handling
  const liveExecutor = services[0]!;
  const scrape = async (): Promise<PromExposition> => parsePrometheusText(await (await fetch(`http://127.0.0.1:${liveExecutor.port}/metrics`)).text());
  const hops = (a: PromExposition, b: PromExposition): { age_ms: number; batch_ms: number; batches: number } => {
    const mean = (name: string): number => {
      const m = { consumer: 'executor', topic: liveTopic };
      const n = sampleSum(b, `${name}_count`, m) - sampleSum(a, `${name}_count`, m);
      return n ? round(((sampleSum(b, `${name}_sum`, m) - sampleSum(a, `${name}_sum`, m)) * 1000) / n) : NaN;
    };
    const m = { consumer: 'executor', topic: liveTopic };
    return {
      age_ms: mean('fixlify_message_age_seconds'),
      batch_ms: mean('fixlify_batch_duration_seconds'),
      batches: sampleSum(b, 'fixlify_batch_duration_seconds_count', m) - sampleSum(a, 'fixlify_batch_duration_seconds_count', m),
    };
  };

  const dry = await finished((await job('dry_run', 10_000)).id);
  const dryMs = dry.finishedAt!.getTime() - dry.startedAt!.getTime();
  const eventsPerS = (dry.counts.scanned * 1000) / dryMs;
  console.error(`dry run: ${dry.counts.scanned} events in ${round(dryMs / 1000)} s → ${round(eventsPerS)} events/s (would start ${dry.counts.started})`);

  const m0 = await scrape();
  const baseline = await live(liveSeconds);
  const m1 = await scrape();
  const baseP99 = percentile(baseline, 99);
  console.error(`live alone: p50 ${percentile(baseline, 50)} / p99 ${baseP99} ms (${baseline.length} executions)`);

  const backfill = await job('run', Number(values.rate));
  const during = live(liveSeconds);
  const run = await finished(backfill.id);
  const duringLatencies = await during;
  const m2 = await scrape();
  const liveHops = { alone: hops(m0, m1), during: hops(m1, m2) };
  console.error(`live executor per hop (mean): alone ${JSON.stringify(liveHops.alone)}, during the backfill ${JSON.stringify(liveHops.during)}`);
  const runMs = run.finishedAt!.getTime() - run.startedAt!.getTime();
  const startsPerS = (run.counts.started * 1000) / runMs;
  const liveP99 = percentile(duringLatencies, 99);
  console.error(
    `backfill: ${run.counts.started} starts in ${round(runMs / 1000)} s → ${round(startsPerS)} starts/s; live meanwhile p50 ${percentile(duringLatencies, 50)} / p99 ${liveP99} ms`,
  );
  const drainStart = Date.now();
  await waitFor(
    async () => receiver.received.filter((r) => r.path === '/hooks/bench').length >= run.counts.started + baseline.length + duringLatencies.length,
    3600_000,
    'the backfilled webhooks',
    500,
  );
  const drainedS = (Date.now() - drainStart) / 1000;
  console.error(`backfilled executions all done ${round(drainedS)} s after the replay job finished`);

  await Promise.all(services.map((s) => s.kill('SIGTERM')));
  await receiver.close();
  await pool.end();
  console.log(
    JSON.stringify({
      bench: 'replay',
      lanes,
      nice: Number(nice),
      events: total,
      events_per_s: round(eventsPerS),
      starts: run.counts.started,
      starts_per_s: round(startsPerS),
      backfill_drained_s_after_job: round(drainedS),
      live_p50_ms: percentile(duringLatencies, 50),
      live_p99_ms: liveP99,
      live_p99_ms_without_backfill: baseP99,
      live_p99_ratio: round(liveP99 / baseP99, 2),
      live_p50_ms_without_backfill: percentile(baseline, 50),
      live_hops: liveHops,
    }),
  );
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
