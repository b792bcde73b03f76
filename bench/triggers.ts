/**
 * `npm run bench -- triggers [--changes N] [--orgs 100] [--workflows 1000] [--batch 1000] [--writers 4]
 *   [--sustain-seconds 20] [--sustain-rate R] [--latency-seconds 20] [--rate 1000]
 *   [--ingest-env K=V,…] [--matcher-env K=V,…] [--keep]`
 *
 * Row changes → Debezium → ingest → matcher → start commands, on the real local stack, with an
 * ingest and a matcher started for the run (consumer groups of their own, offsets preset to the
 * end of the log, clock scanner off). 100 organizations with 1,000 active CDC workflows in all
 * (per organization: job_created without filter, job_created with filters that never match,
 * job_status_changed to 'dispatched' and to other states, invoice_created): every row change
 * written starts exactly one workflow, and every event is checked against four to five filters.
 *
 * Events and commands go to topics of the bench's own (bench.triggers.*), see below.
 *
 * 1. capacity: N row changes (half multi-row INSERTs of jobs, half multi-row UPDATEs of their
 *    status) written as fast as PostgreSQL takes them; row changes/s = N / (first commit → last
 *    start command visible to a read_committed consumer). Stage rates from the consumer groups'
 *    committed offsets.
 * 2. sustained: an offered load (default 80% of the capacity) for a while; the lag of the ingest
 *    and matcher groups is sampled every second and its slope reported (flat ≈ 0 msg/s).
 * 3. latency: a fixed offered load of 1,000 changes/s (20 inserts every 20 ms) for 20 s;
 *    commit (the event's source.ts_ms, carried as triggeredAt) → start command visible to a
 *    read_committed consumer; p50/p99 after a 2 s warm-up.
 *
 * Prints one JSON line last: {"bench":"triggers","row_changes_per_s":…,"p50_ms":…,"p99_ms":…,…}.
 * The stack is shared: other running ingests and matchers consume the same topics, and other
 * tests' load shares the two cores; figures are noisy.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Admin, KafkaMessage } from 'kafkajs';
import type { Pool } from 'pg';
import { BUSINESS_TABLES, cdcTopic, type StartCommand, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { ensureTopics } from '@fixlify/kafka';
import { createActiveWorkflow, startService, tailTopic, testKafka, testPool, waitFor, type ServiceProcess, type TopicTail } from '@fixlify/testing';

/**
 * Events and start commands of the run go to topics of their own: on the shared stack, other
 * running ingests emit our changes' events again and other executors would run our commands; the
 * bench must measure its own pipeline, and must not flood the others.
 */
const EVENTS_TOPIC = 'bench.triggers.events.v1';
const COMMANDS_TOPIC = 'bench.triggers.commands.v1';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const envList = (s: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (s ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
const log = (msg: string, extra: Record<string, unknown> = {}): void => console.error(JSON.stringify({ at: new Date().toISOString(), msg, ...extra }));

/** least-squares slope of y over x (per second) */
const slope = (pts: [number, number][]): number => {
  const n = pts.length;
  if (n < 2) return 0;
  const mx = pts.reduce((a, [x]) => a + x, 0) / n;
  const my = pts.reduce((a, [, y]) => a + y, 0) / n;
  const num = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
};

const definition = (trigger: Record<string, unknown>): WorkflowDefinitionInput => ({
  // the cheapest possible run for any executor that picks these commands up: one condition, then the end
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: trigger as never },
    { id: 'check', type: 'condition', config: { when: { field: 'job.title', op: 'eq', value: 'never' } } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'check' }],
});

/** 10 workflows per organization; exactly one matches each bench row change */
const WORKFLOWS_PER_ORG: Record<string, unknown>[] = [
  { type: 'job_created' },
  { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'zzz-never' } },
  {
    type: 'job_created',
    filter: {
      all: [
        { field: 'after.total', op: 'gt', value: 1_000_000 },
        { field: 'after.status', op: 'eq', value: 'scheduled' },
      ],
    },
  },
  { type: 'job_created', filter: { field: 'after.status', op: 'in', value: ['completed', 'cancelled'] } },
  { type: 'job_status_changed', filter: { field: 'status', op: 'changed', from: 'scheduled', to: 'dispatched' } },
  { type: 'job_status_changed', filter: { field: 'status', op: 'changed', to: 'cancelled' } },
  {
    type: 'job_status_changed',
    filter: {
      any: [
        { field: 'data.to', op: 'eq', value: 'on_hold' },
        { field: 'after.total', op: 'lt', value: 0 },
      ],
    },
  },
  { type: 'invoice_created' },
  { type: 'invoice_created', filter: { field: 'after.amount', op: 'gt', value: 100 } },
  { type: 'job_completed' },
];

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      changes: { type: 'string', default: '50000' },
      orgs: { type: 'string', default: '100' },
      workflows: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '1000' },
      writers: { type: 'string', default: '4' },
      'sustain-seconds': { type: 'string', default: '20' },
      'sustain-rate': { type: 'string' },
      'latency-seconds': { type: 'string', default: '20' },
      rate: { type: 'string', default: '1000' },
      'ingest-env': { type: 'string' },
      'matcher-env': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const N = Number(values.changes);
  const orgCount = Number(values.orgs);
  const workflowCount = Number(values.workflows);
  const batch = Number(values.batch);
  const writers = Number(values.writers);
  const rate = Number(values.rate);
  const pool: Pool = testPool();
  const kafka = testKafka();
  const admin: Admin = kafka.admin();
  await admin.connect();
  const prefix = `bench-trg-${Date.now()}`;
  const services: ServiceProcess[] = [];
  const orgs: string[] = [];
  let commands: TopicTail<string> | undefined;
  let latencyTail: TopicTail<number> | undefined;

  // consumer groups of their own, positioned at the end of the log: nothing before the run, nothing missed
  const preset = async (groupId: string, topics: string[]): Promise<void> => {
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    }
  };
  const cdcTopics = BUSINESS_TABLES.map((t) => cdcTopic(process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify', t));
  const committedOf = async (groupId: string, topic: string): Promise<{ committed: number; end: number }> => {
    const [offs, ends] = await Promise.all([admin.fetchOffsets({ groupId, topics: [topic] }), admin.fetchTopicOffsets(topic)]);
    const committed = offs[0]?.partitions.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0) ?? 0;
    return { committed, end: ends.reduce((a, p) => a + Number(p.high), 0) };
  };

  try {
    await ensureTopics(admin, [
      { topic: EVENTS_TOPIC, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(6 * 3600_000) }] },
      { topic: COMMANDS_TOPIC, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(6 * 3600_000) }] },
    ]);
    await preset(`${prefix}-ingest-cdc`, cdcTopics);
    await preset(`${prefix}-ingest-workflows`, [cdcTopic(process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify', 'automation_workflows')]);
    await preset(`${prefix}-matcher`, [EVENTS_TOPIC]);
    const common = {
      FIXLIFY_GROUP_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      CLOCK_ENABLED: 'false',
      INGEST_EVENTS_TOPIC: EVENTS_TOPIC,
      MATCHER_EVENTS_TOPIC: EVENTS_TOPIC,
      MATCHER_COMMANDS_TOPIC: COMMANDS_TOPIC,
    };
    services.push(await startService('ingest', { ...common, ...envList(values['ingest-env']) }, 'bench-trg-ingest'));
    services.push(await startService('matcher', { ...common, ...envList(values['matcher-env']) }, 'bench-trg-matcher'));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    const matcher = services[1]!;

    // organizations and workflows
    const t0 = Date.now();
    const orgRows = await pool.query<{ id: string }>(
      `INSERT INTO organizations (name) SELECT 'Bench triggers ' || g FROM generate_series(1, $1::int) g RETURNING id`,
      [orgCount],
    );
    orgs.push(...orgRows.rows.map((r) => r.id));
    const perOrg = Math.ceil(workflowCount / orgCount);
    const specs = orgs
      .flatMap((org) => Array.from({ length: perOrg }, (_, i) => [org, WORKFLOWS_PER_ORG[i % WORKFLOWS_PER_ORG.length]!] as const))
      .slice(0, workflowCount);
    const workflowIds: string[] = [];
    for (let i = 0; i < specs.length; i += 8)
      workflowIds.push(
        ...(await Promise.all(
          specs
            .slice(i, i + 8)
            .map(async ([org, trigger]) => (await createActiveWorkflow(pool, org, definition(trigger), `bench ${String(trigger.type)}`)).workflowId),
        )),
      );
    log('workflows published', { workflows: workflowIds.length, orgs: orgs.length, seconds: (Date.now() - t0) / 1000 });
    await waitFor(
      async () => {
        const missing = (
          await Promise.all(
            workflowIds
              .slice(-50)
              .map(async (id) => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present),
          )
        ).filter((p) => !p);
        return missing.length === 0;
      },
      300_000,
      'the matcher to index the bench workflows',
      500,
    );
    for (const id of workflowIds)
      await waitFor(
        async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present,
        120_000,
        `workflow ${id} indexed`,
        200,
      );
    log('matcher indexed all bench workflows', { seconds: (Date.now() - t0) / 1000 });

    const origin = `${prefix}-matcher`;
    const orgSet = new Set(orgs);
    // counts this run's start commands by execution id (the key; header and key only, so counting does not slow the
    // pipeline down). Other ingests on the shared stack may emit the same events again: distinct ids are what count.
    const distinct = new Set<string>();
    commands = await tailTopic(kafka, COMMANDS_TOPIC, (m: KafkaMessage) => {
      if (m.headers?.['fixlify-origin']?.toString() !== origin || !m.key) return undefined;
      const k = m.key.toString('utf8');
      if (distinct.has(k)) return undefined;
      distinct.add(k);
      return k;
    });
    await commands.ready;

    // ---- 1. capacity
    const jobIds: string[] = [];
    const insertJobs = async (n: number, offset: number): Promise<void> => {
      const ids = Array.from({ length: n }, () => randomUUID());
      const orgOf = ids.map((_, i) => orgs[(offset + i) % orgs.length]!);
      await pool.query(
        `INSERT INTO jobs (id, organization_id, title, total) SELECT id, org, 'bench job', 42 FROM unnest($1::uuid[], $2::uuid[]) AS t(id, org)`,
        [ids, orgOf],
      );
      jobIds.push(...ids);
    };
    const half = Math.floor(N / 2);
    const before = commands.seen.length;
    const ingestStart = await committedOf(`${prefix}-ingest-cdc`, cdcTopic(process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify', 'jobs'));
    const matcherStart = await committedOf(`${prefix}-matcher`, EVENTS_TOPIC);
    const samples: { t: number; ingest: number; matcher: number; starts: number; ingestLag: number; matcherLag: number }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [i, m] = await Promise.all([
          committedOf(`${prefix}-ingest-cdc`, cdcTopic(process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify', 'jobs')),
          committedOf(`${prefix}-matcher`, EVENTS_TOPIC),
        ]);
        samples.push({
          t: Date.now(),
          ingest: i.committed - ingestStart.committed,
          matcher: m.committed - matcherStart.committed,
          starts: commands.seen.length - before,
          ingestLag: i.end - i.committed,
          matcherLag: m.end - m.committed,
        });
        await sleep(500);
      }
    })();
    const writeStart = Date.now();
    // inserts, then status updates of the same jobs, each in multi-row statements on `writers` connections
    const chunks: (() => Promise<void>)[] = [];
    for (let i = 0; i < half; i += batch) chunks.push(() => insertJobs(Math.min(batch, half - i), i));
    let next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < chunks.length) await chunks[next++]!();
      }),
    );
    const updates: string[][] = [];
    for (let i = 0; i < N - half; i += batch) updates.push(jobIds.slice(i, Math.min(i + batch, N - half)));
    next = 0;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next < updates.length) await pool.query(`UPDATE jobs SET status = 'dispatched' WHERE id = ANY($1::uuid[])`, [updates[next++]!]);
      }),
    );
    const writeEnd = Date.now();
    log('capacity: rows written', { changes: N, seconds: (writeEnd - writeStart) / 1000, pg_rows_per_s: round(N / ((writeEnd - writeStart) / 1000)) });
    await commands.until((s) => s.length - before >= N, 900_000, `${N} start commands`);
    const done = Date.now();
    sampling = false;
    await sampler;
    const firstStart = samples.find((s) => s.starts > 0)?.t ?? writeStart;
    const stageRate = (key: 'ingest' | 'matcher' | 'starts'): number => {
      // steady state: from the first to the last sample with progress, excluding the start-up second
      const moving = samples.filter((s, i) => i > 0 && s[key] > (samples[i - 1]?.[key] ?? 0));
      const a = moving[0];
      const b = moving[moving.length - 1];
      return a && b && b.t > a.t ? round((b[key] - a[key]) / ((b.t - a.t) / 1000)) : NaN;
    };
    const capacity = {
      changes: N,
      seconds: (done - writeStart) / 1000,
      row_changes_per_s: round(N / ((done - writeStart) / 1000)),
      first_start_after_ms: firstStart - writeStart,
      pg_write_per_s: round(N / ((writeEnd - writeStart) / 1000)),
      ingest_per_s: stageRate('ingest'),
      matcher_per_s: stageRate('matcher'),
      starts_per_s: stageRate('starts'),
      max_ingest_lag: Math.max(...samples.map((s) => s.ingestLag)),
      max_matcher_lag: Math.max(...samples.map((s) => s.matcherLag)),
    };
    log('capacity', capacity);

    // ---- 2. sustained offered load: is the lag flat?
    const sustainRate = values['sustain-rate'] ? Number(values['sustain-rate']) : Math.max(100, Math.floor((capacity.row_changes_per_s * 0.8) / 100) * 100);
    const sustainSeconds = Number(values['sustain-seconds']);
    const lagPts: [number, number][] = [];
    const sStart = Date.now();
    let offered = 0;
    const tickMs = 50;
    let sampleAt = sStart;
    while (Date.now() - sStart < sustainSeconds * 1000) {
      const due = Math.floor(((Date.now() - sStart) / 1000) * sustainRate) - offered;
      if (due > 0) {
        // on several connections at once, so the writer is not the bottleneck
        const parts = Math.min(writers, Math.ceil(due / 200));
        await Promise.all(Array.from({ length: parts }, (_, k) => insertJobs(Math.floor(due / parts) + (k < due % parts ? 1 : 0), offered + k)));
        offered += due;
      }
      if (Date.now() >= sampleAt) {
        const [i, m] = await Promise.all([
          committedOf(`${prefix}-ingest-cdc`, cdcTopic(process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify', 'jobs')),
          committedOf(`${prefix}-matcher`, EVENTS_TOPIC),
        ]);
        lagPts.push([(Date.now() - sStart) / 1000, i.end - i.committed + (m.end - m.committed)]);
        sampleAt += 1000;
      }
      await sleep(tickMs);
    }
    const sustained = {
      offered_per_s: sustainRate,
      achieved_offered_per_s: round(offered / ((Date.now() - sStart) / 1000)),
      seconds: sustainSeconds,
      lag_first: lagPts[0]?.[1] ?? NaN,
      lag_last: lagPts[lagPts.length - 1]?.[1] ?? NaN,
      lag_max: Math.max(...lagPts.map(([, y]) => y)),
      lag_slope_per_s: round(slope(lagPts.slice(2)), 1),
    };
    log('sustained', sustained);
    const sustainedBefore = commands.seen.length;
    await commands.until((s) => s.length - sustainedBefore >= 0 && s.length - before >= N + offered, 600_000, 'the sustained phase to drain');

    // ---- 3. latency at a fixed offered load
    const latencySeconds = Number(values['latency-seconds']);
    const lat: number[] = [];
    // where the time goes: commit → ingest handled it (Debezium, broker, ingest fetch) → matcher handled it (ingest's
    // transaction, matcher fetch) → visible to a read_committed reader (matcher's transaction, reader fetch)
    const toIngest: number[] = [];
    const toMatcher: number[] = [];
    const toVisible: number[] = [];
    const lStart = Date.now() + 2000; // warm-up excluded
    const seenIds = new Set<string>();
    latencyTail = await tailTopic(kafka, COMMANDS_TOPIC, (m: KafkaMessage) => {
      if (m.headers?.['fixlify-origin']?.toString() !== origin || !m.value) return undefined;
      const seenAt = Date.now();
      const c = JSON.parse(m.value.toString('utf8')) as StartCommand;
      if (!orgSet.has(c.organizationId) || seenIds.has(c.executionId)) return undefined;
      seenIds.add(c.executionId);
      const committedAt = Date.parse(c.triggeredAt);
      if (committedAt >= lStart) {
        lat.push(seenAt - committedAt);
        toIngest.push(Date.parse(c.event.emittedAt) - committedAt);
        toMatcher.push(Date.parse(c.issuedAt) - Date.parse(c.event.emittedAt));
        toVisible.push(seenAt - Date.parse(c.issuedAt));
      }
      return 1;
    });
    await latencyTail.ready;
    const perTick = Math.max(1, Math.round(rate / 50));
    const lBegin = Date.now();
    let lOffered = 0;
    // a statement every 20 ms whatever the previous one is doing (up to `writers` in flight), so the offered load holds
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; Date.now() - lBegin < (latencySeconds + 2) * 1000; k++) {
      const wait = lBegin + k * 20 - Date.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= writers) await Promise.race(inFlight);
      const p = insertJobs(perTick, k).finally(() => inFlight.delete(p));
      inFlight.add(p);
      lOffered += perTick;
    }
    await Promise.all(inFlight);
    await latencyTail.until((s) => s.length >= lOffered, 300_000, 'the latency phase to drain');
    const latency = {
      offered_per_s: round(lOffered / ((Date.now() - lBegin) / 1000)),
      measured: lat.length,
      p50_ms: percentile(lat, 50),
      p90_ms: percentile(lat, 90),
      p99_ms: percentile(lat, 99),
      max_ms: Math.max(...lat),
      stages_p50_p99_ms: {
        commit_to_ingest: [percentile(toIngest, 50), percentile(toIngest, 99)],
        ingest_to_matcher: [percentile(toMatcher, 50), percentile(toMatcher, 99)],
        matcher_to_visible: [percentile(toVisible, 50), percentile(toVisible, 99)],
      },
    };
    log('latency', latency);

    console.log(
      JSON.stringify({
        bench: 'triggers',
        row_changes_per_s: capacity.row_changes_per_s,
        p50_ms: latency.p50_ms,
        p99_ms: latency.p99_ms,
        capacity,
        sustained,
        latency,
        organizations: orgs.length,
        workflows: workflowIds.length,
      }),
    );
  } finally {
    await commands?.stop();
    await latencyTail?.stop();
    if (!values.keep && orgs.length > 0) {
      // tombstones for the bench workflows (via the bench ingest, still running), so later matchers do not index them
      await pool.query(`UPDATE automation_workflows SET is_active = false, status = 'inactive', updated_at = now() WHERE organization_id = ANY($1::uuid[])`, [
        orgs,
      ]);
      await sleep(3000);
    }
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await admin.disconnect();
    await pool.end();
  }
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
