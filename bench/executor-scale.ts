/**
 * `npm run bench -- executor-scale [--orgs 20,1000,10000] [--executions 20000] [--warmup 1000]
 *   [--with-definition] [--executor-env K=V,…] [--keep]`
 *
 * How the executor's cost grows with the number of organizations. Every point runs the same number
 * of three-step executions (condition → webhook to a loopback receiver → update_record, the
 * workflow of bench/lib/three-step.ts), spread evenly over the point's organizations (execution i is
 * organization i mod N's: consecutive commands are of different organizations), with the executor
 * alone on a commands topic of the bench's own (as `executions --direct`). For each point:
 *
 * 1. N organizations, each with a client and its own active workflow (createActiveWorkflow, four at
 *    a time), and a webhook signing secret (sealed, inserted in one statement: organizations that
 *    have sent before; the executor would create it on a first send); the point's jobs (one
 *    statement per 5,000 rows).
 * 2. The start commands of those jobs, built beforehand as the matcher emits a stored version's:
 *    without the definition, which the executor resolves by version id (its cache of 2,000 versions,
 *    else automation_workflow_versions); `--with-definition` carries it (as `executions --direct`).
 * 3. A fresh executor (EXECUTOR_LANES=live, a consumer group of its own, its pool's
 *    application_name the bench's), a warm-up of `--warmup` executions of 10 organizations of their
 *    own (JIT, connections), then a wait for quiet: the executor idle (≤ 50 ms of CPU in a second),
 *    the CDC topics no longer growing (the setup's rows through Debezium), and at least 11 s since
 *    the warm-up (PostgreSQL's statistics views get an idle backend's counters within 10 s); at most
 *    120 s.
 * 4. The commands are produced as fast as the broker takes them (chunks of 1,000), all within about
 *    a second: the executor works through a backlog.
 *    - `executions_per_s`: executions ended / (first command produced → last execution_completed
 *      seen on automation.step-results.v1, read_committed);
 *    - `cpu_ms_per_execution`: the executor's utime + stime (/proc/<pid>/stat) over that window /
 *      executions; `rss_mb`: its VmRSS at the end (`rss_peak_mb`: VmHWM), `heap_used_mb` from /metrics;
 *    - `pg_cpu_ms_per_execution`: CPU of the PostgreSQL backends serving the executor (those with its
 *      application_name, /proc/<pid>/stat of each, sampled every 500 ms; a local server only);
 *      Debezium's walsender and PostgreSQL's background processes are not counted;
 *    - `p50_ms` / `p99_ms`: each command's produce acknowledgement → its execution's end seen. With
 *      the whole backlog produced at once this is mostly the wait behind it, not one execution's latency;
 *    - from the executor's /metrics: commands parked by the per-organization share
 *      (EXECUTOR_ORG_BATCH_SHARE; they come back through a timer), runs that ended their batch
 *      `waiting` (here: a webhook still running at EXECUTOR_BATCH_DEADLINE_MS, detached; the
 *      execution resumes through a timer, a second command), partition batches, commands consumed
 *      per batch (re-emitted ones included), commands dropped as `unresolved` (they never end: the
 *      bench stops waiting once ended + dropped reach the point's executions);
 *    - the definition cache and the organizations' accounts have no metric: PostgreSQL's counters
 *      show what they cost (database-wide: other work counts too). automation_workflow_versions:
 *      lookups (index probes, one per version id a query asks for, + sequential scans) and rows
 *      fetched (definitions read from the store, each then parsed); organization_channel_credentials
 *      (accounts and signing secrets, cached EXECUTOR_CREDENTIALS_TTL_MS per organization): lookups.
 *
 * Organizations and jobs stay in the database (as `executions` leaves them); their workflows are
 * deactivated and the topics deleted afterwards, unless --keep. A table goes to stderr; one JSON line
 * last on stdout:
 * {"bench":"executor-scale","points":[{"orgs":20,"executions_per_s":…,"cpu_ms_per_execution":…,"rss_mb":…},…],"cpu_ratio_10000_vs_20":…}.
 * The executor, PostgreSQL, the broker and Connect share the machine's cores: figures are noisy.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { Admin, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { CE_TYPE_PREFIX, TOPICS, type WorkflowDefinition } from '@fixlify/contracts';
import { credentialsKey, generateWebhookSecret, sealCredential } from '@fixlify/channels';
import { sampleSum, type PromExposition } from '@fixlify/kafka';
import { allowLoopback, createPrivateCommandsTopic, startService, tailTopic, testKafka, testPool, type ServiceProcess } from '@fixlify/testing';
import { cpuMs, envList, memMb, numList, percentile, scrape, sleep } from './lib/measure';
import { startReceiverProcess } from './lib/receiver';
import { createBenchOrgs, jobCreatedStart, threeStepDefinition, type BenchOrg } from './lib/three-step';

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const log = (msg: string, extra: Record<string, unknown> = {}): void => console.error(JSON.stringify({ at: new Date().toISOString(), msg, ...extra }));
const MB = 1024 * 1024;
const CHUNK = 1000;
const WARMUP_ORGS = 10;

// ---- the executions' ends, from the step results' headers (no JSON parsing of everyone's results)

const COMPLETED = `${CE_TYPE_PREFIX.stepResult}execution_completed`;
const ENDED = new Set([COMPLETED, ...['execution_failed', 'execution_cancelled'].map((k) => `${CE_TYPE_PREFIX.stepResult}${k}`)]);
const header = (m: KafkaMessage, k: string): string | undefined => {
  const v = m.headers?.[k];
  return v === undefined ? undefined : String(Array.isArray(v) ? v[0] : v);
};
interface Ended {
  id: string;
  at: number;
  ok: boolean;
}

// ---- setup

/** the organizations' webhook signing secrets, sealed as the API seals them, in one statement */
const storeSigningSecrets = async (pool: Pool, orgs: readonly BenchOrg[]): Promise<void> => {
  const key = credentialsKey();
  const sealed = orgs.map((o) => sealCredential(o.org, { provider: 'webhook', secret: generateWebhookSecret(), settings: {} }, key).secretCiphertext);
  await pool.query(
    `INSERT INTO organization_channel_credentials (organization_id, provider, secret_ciphertext, settings)
     SELECT o, 'webhook', s, '{}' FROM unnest($1::uuid[], $2::text[]) AS u(o, s) ON CONFLICT (organization_id, provider) DO NOTHING`,
    [orgs.map((o) => o.org), sealed],
  );
};

/** `n` jobs, job i of organization i mod orgs.length; their start commands, in that order, as messages */
const jobsAndCommands = async (
  pool: Pool,
  orgs: readonly BenchOrg[],
  n: number,
  tag: string,
  def: WorkflowDefinition | undefined,
): Promise<{ messages: Message[]; ids: string[] }> => {
  const jobIds = new Array<string>(n);
  for (let s = 0; s < n; s += 5000) {
    const idx = Array.from({ length: Math.min(5000, n - s) }, (_, k) => s + k);
    const r = await pool.query<{ id: string; title: string }>(
      `INSERT INTO jobs (organization_id, client_id, title, total) SELECT o, c, t, 100 FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(o, c, t) RETURNING id, title`,
      [idx.map((i) => orgs[i % orgs.length]!.org), idx.map((i) => orgs[i % orgs.length]!.client), idx.map((i) => `${tag}-${i}`)],
    );
    for (const row of r.rows) jobIds[Number(row.title.slice(row.title.lastIndexOf('-') + 1))] = row.id;
  }
  const at = new Date().toISOString();
  const commands = jobIds.map((id, i) => jobCreatedStart(orgs[i % orgs.length]!, id, `${tag}-${i}`, def, at));
  return { messages: commands.map((c) => ({ key: c.executionId, value: JSON.stringify(c) })), ids: commands.map((c) => c.executionId) };
};

const deactivate = async (pool: Pool, orgs: readonly BenchOrg[]): Promise<void> => {
  await pool.query(`UPDATE automation_workflows SET is_active = false, status = 'inactive', updated_at = now() WHERE organization_id = ANY($1::uuid[])`, [
    orgs.map((o) => o.org),
  ]);
};

// ---- measuring

/** the sum of the end offsets of the CDC topics (Debezium's): stops growing once Connect has caught up */
const cdcEnd = async (admin: Admin, topics: readonly string[]): Promise<number> => {
  let sum = 0;
  for (const t of topics) for (const p of await admin.fetchTopicOffsets(t)) sum += Number(p.high);
  return sum;
};

/**
 * CPU (ms) of the PostgreSQL backends whose application_name is `app`, from /proc: a backend counts
 * from the first sample (or its connection, if it connects later) to its last sample. NaN when no
 * backend's /proc can be read (a server on another machine or in another PID namespace).
 */
const backendCpu = (pool: Pool, app: string): { start: () => Promise<void>; stop: () => Promise<{ ms: number; backends: number }> } => {
  const base = new Map<number, number>();
  const last = new Map<number, number>();
  let first = true;
  let timer: NodeJS.Timeout | undefined;
  const sample = async (): Promise<void> => {
    const r = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app]);
    for (const { pid } of r.rows) {
      const c = cpuMs(pid);
      if (!Number.isFinite(c)) continue;
      if (first) base.set(pid, c);
      last.set(pid, c);
    }
    first = false;
  };
  return {
    start: async () => {
      await sample();
      timer = setInterval(() => void sample().catch(() => undefined), 500);
    },
    stop: async () => {
      clearInterval(timer);
      await sample();
      let ms = 0;
      for (const [pid, c] of last) ms += c - (base.get(pid) ?? 0);
      return { ms: last.size > 0 ? ms : NaN, backends: last.size };
    },
  };
};

const TABLE_STATS = `SELECT relname, coalesce(idx_scan, 0)::float8 AS idx_scan, coalesce(seq_scan, 0)::float8 AS seq_scan, coalesce(idx_tup_fetch, 0)::float8 AS idx_tup_fetch
  FROM pg_stat_user_tables WHERE relname IN ('automation_workflow_versions', 'organization_channel_credentials')`;
type TableStats = Record<string, { idx_scan: number; seq_scan: number; idx_tup_fetch: number }>;
const tableStats = async (pool: Pool): Promise<TableStats> =>
  Object.fromEntries(
    (await pool.query<{ relname: string; idx_scan: number; seq_scan: number; idx_tup_fetch: number }>(TABLE_STATS)).rows.map((r) => [r.relname, r]),
  );

const executorCounts = (m: PromExposition) => ({
  completed: sampleSum(m, 'fixlify_executions_total', { state: 'completed' }),
  failed: sampleSum(m, 'fixlify_executions_total', { state: 'failed' }),
  parked: sampleSum(m, 'fixlify_executions_total', { state: 'parked' }),
  waiting: sampleSum(m, 'fixlify_executions_total', { state: 'waiting' }),
  unresolved: sampleSum(m, 'fixlify_executions_total', { state: 'unresolved' }),
  duplicates: sampleSum(m, 'fixlify_executions_total', { state: 'duplicate' }),
  consumed: sampleSum(m, 'fixlify_messages_processed_total', { consumer: 'executor' }),
  batches: sampleSum(m, 'fixlify_batch_duration_seconds_count', { consumer: 'executor' }),
  batchSeconds: sampleSum(m, 'fixlify_batch_duration_seconds_sum', { consumer: 'executor' }),
});

// ---- one point

interface Point {
  orgs: number;
  executions: number;
  executions_per_s: number;
  cpu_ms_per_execution: number;
  rss_mb: number;
  rss_peak_mb: number;
  heap_used_mb: number;
  pg_cpu_ms_per_execution: number | null;
  p50_ms: number;
  p99_ms: number;
  ended: number;
  failed: number;
  dropped_unresolved: number;
  parked: number;
  /** runs that ended their batch waiting (an action detached at EXECUTOR_BATCH_DEADLINE_MS resumes through a timer) */
  waiting: number;
  partition_batches: number;
  commands_per_batch: number;
  batch_ms_avg: number;
  /** automation_workflow_versions: index probes (one per version id a query asks for) + sequential scans */
  version_lookups: number;
  /** automation_workflow_versions: rows fetched through the index (definitions read from the store) */
  version_rows_fetched: number;
  /** organization_channel_credentials: index probes + sequential scans (one per organization loaded) */
  credential_lookups: number;
  run_s: number;
  produce_ms: number;
  bench_cpu_ms_per_execution: number;
  setup_s: number;
  settle_s: number;
  quiet: boolean;
  idle_cpu_ms_per_s: number;
  load_average_1m: number;
}

interface Shared {
  run: string;
  kafka: Kafka;
  pool: Pool;
  admin: Admin;
  receiverUrl: string;
  def: WorkflowDefinition;
  tag: string;
  withDefinition: boolean;
  warmOrgs: BenchOrg[];
  warmup: number;
  executorEnv: Record<string, string>;
  keep: boolean;
  cdcTopics: string[];
  /** the executions whose end is awaited, by id (index in their phase) */
  want: Map<string, number>;
  /** their ends seen, in order */
  ended: Ended[];
  endedIds: Set<string>;
}

/** Produces the messages in chunks; when each chunk was acknowledged, per message. */
const produce = async (producer: Producer, topic: string, messages: readonly Message[]): Promise<number[]> => {
  const acked = new Array<number>(messages.length);
  for (let i = 0; i < messages.length; i += CHUNK) {
    await producer.send({ topic, messages: messages.slice(i, i + CHUNK) });
    acked.fill(Date.now(), i, Math.min(i + CHUNK, messages.length));
  }
  return acked;
};

/** Waits until `total` executions ended (or were dropped as unresolved); `done: false` when none ended for 60 s. */
const awaitEnds = async (s: Shared, from: number, total: number, port: number, dropped0: number): Promise<{ done: boolean; dropped: number }> => {
  let seen = s.ended.length - from;
  let moved = Date.now();
  let dropped = 0;
  let scraped = 0;
  while (seen < total) {
    await sleep(25);
    if (s.ended.length - from !== seen) {
      seen = s.ended.length - from;
      moved = Date.now();
    }
    if (Date.now() - scraped > 1000) {
      scraped = Date.now();
      dropped = executorCounts(await scrape(port)).unresolved - dropped0;
      if (seen + dropped >= total) return { done: true, dropped };
    }
    if (Date.now() - moved > 60_000) return { done: false, dropped };
  }
  return { done: true, dropped };
};

const runPoint = async (s: Shared, orgCount: number, total: number): Promise<Point> => {
  const tSetup = Date.now();
  const def = s.withDefinition ? s.def : undefined;
  const { orgs } = await createBenchOrgs(s.pool, orgCount, s.def, `Executor scale ${orgCount}`, { concurrency: 4 });
  await storeSigningSecrets(s.pool, orgs);
  const { messages, ids } = await jobsAndCommands(s.pool, orgs, total, `${s.tag}-o${orgCount}`, def);
  const warm = await jobsAndCommands(s.pool, s.warmOrgs, s.warmup, `${s.tag}-w${orgCount}`, def);
  const setupS = (Date.now() - tSetup) / 1000;
  log('point set up', {
    orgs: orgCount,
    executions: total,
    setup_s: setupS,
    command_bytes_avg: round(messages.reduce((a, m) => a + String(m.value).length, 0) / total),
  });

  const topic = await createPrivateCommandsTopic(s.kafka, `executor-scale-o${orgCount}`);
  const app = `bench-escale-${s.run}-o${orgCount}`;
  // a producer of the point's own: one that outlives the topic refreshes its metadata, and would
  // bring the deleted topic back (auto-creation) or fail on it
  const producer = s.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let executor: ServiceProcess | undefined;
  try {
    await producer.connect();
    executor = await startService(
      'executor',
      {
        OUTBOUND_ALLOWED_HOSTS: allowLoopback(Number(new URL(s.receiverUrl).port)),
        LOG_LEVEL: 'warn',
        EXECUTOR_COMMANDS_TOPIC: topic,
        EXECUTOR_LANES: 'live',
        FIXLIFY_START_FROM: 'earliest',
        FIXLIFY_GROUP_PREFIX: app,
        FIXLIFY_INSTANCE_ID: `bench-escale-o${orgCount}`,
        // the pool's application_name: the bench finds the executor's PostgreSQL backends by it
        FIXLIFY_SERVICE: app,
        ...s.executorEnv,
      },
      `bench-escale-executor-o${orgCount}`,
    );
    await executor.waitReady(90_000);
    const pid = executor.child.pid!;

    // ---- warm-up, then quiet
    s.want = new Map(warm.ids.map((id, i) => [id, i]));
    s.endedIds.clear();
    let from = s.ended.length;
    await produce(producer, topic, warm.messages);
    const w = await awaitEnds(s, from, s.warmup, executor.port, 0);
    if (!w.done) throw new Error(`the warm-up stalled at ${s.ended.length - from} of ${s.warmup} executions`);
    const warmEnd = Date.now();
    let cpu = cpuMs(pid);
    let cdc = await cdcEnd(s.admin, s.cdcTopics);
    let idleCpuPerS = NaN;
    let quiet = false;
    while (Date.now() - warmEnd < 120_000) {
      await sleep(1000);
      const [c, e] = [cpuMs(pid), await cdcEnd(s.admin, s.cdcTopics)];
      idleCpuPerS = c - cpu;
      quiet = idleCpuPerS <= 50 && e === cdc;
      [cpu, cdc] = [c, e];
      if (quiet && Date.now() - warmEnd >= 11_000) break;
    }
    const settleS = (Date.now() - warmEnd) / 1000;
    log('settled', { settle_s: settleS, quiet, idle_cpu_ms_per_s: idleCpuPerS });

    // ---- the point's executions
    const pg = backendCpu(s.pool, app);
    const [m0, stats0] = await Promise.all([scrape(executor.port), tableStats(s.pool)]);
    const before = executorCounts(m0);
    s.want = new Map(ids.map((id, i) => [id, i]));
    s.endedIds.clear();
    from = s.ended.length;
    await pg.start();
    const cpu0 = cpuMs(pid);
    const bench0 = process.cpuUsage();
    const t0 = Date.now();
    const acked = await produce(producer, topic, messages);
    const produceMs = Date.now() - t0;
    const r = await awaitEnds(s, from, total, executor.port, before.unresolved);
    const cpu1 = cpuMs(pid);
    const bench1 = process.cpuUsage(bench0);
    const mem = memMb(pid);
    const pgCpu = await pg.stop();
    const m1 = await scrape(executor.port);
    const after = executorCounts(m1);
    const ended = s.ended.slice(from);
    if (!r.done) log('WARNING: executions stopped ending', { ended: ended.length, of: total, dropped_unresolved: r.dropped });
    if (r.dropped > 0) log('WARNING: the executor dropped commands as unresolved (version not found for the organization)', { dropped: r.dropped });
    const lastAt = ended.reduce((m, e) => Math.max(m, e.at), t0);
    const lat = ended.map((e) => e.at - acked[s.want.get(e.id)!]!);
    const runS = (lastAt - t0) / 1000;
    // PostgreSQL's statistics of a backend reach the views when it ends: stop the executor first
    await executor.kill('SIGTERM');
    await sleep(1000);
    const stats1 = await tableStats(s.pool);
    const d = (t: string, k: 'idx_scan' | 'seq_scan' | 'idx_tup_fetch'): number => (stats1[t]?.[k] ?? NaN) - (stats0[t]?.[k] ?? NaN);
    const versions = 'automation_workflow_versions';
    const credentials = 'organization_channel_credentials';
    const batches = after.batches - before.batches;
    return {
      orgs: orgCount,
      executions: total,
      executions_per_s: round(ended.length / runS),
      cpu_ms_per_execution: round((cpu1 - cpu0) / ended.length, 3),
      rss_mb: round(mem.rss, 1),
      rss_peak_mb: round(mem.hwm, 1),
      heap_used_mb: round(sampleSum(m1, 'nodejs_heap_size_used_bytes') / MB, 1),
      pg_cpu_ms_per_execution: Number.isFinite(pgCpu.ms) ? round(pgCpu.ms / ended.length, 3) : null,
      p50_ms: percentile(lat, 50),
      p99_ms: percentile(lat, 99),
      ended: ended.length,
      failed: ended.filter((e) => !e.ok).length,
      dropped_unresolved: r.dropped,
      parked: after.parked - before.parked,
      waiting: after.waiting - before.waiting,
      partition_batches: batches,
      commands_per_batch: round((after.consumed - before.consumed) / batches, 1),
      batch_ms_avg: round(((after.batchSeconds - before.batchSeconds) * 1000) / batches, 1),
      version_lookups: d(versions, 'idx_scan') + d(versions, 'seq_scan'),
      version_rows_fetched: d(versions, 'idx_tup_fetch'),
      credential_lookups: d(credentials, 'idx_scan') + d(credentials, 'seq_scan'),
      run_s: round(runS, 2),
      produce_ms: produceMs,
      bench_cpu_ms_per_execution: round((bench1.user + bench1.system) / 1000 / total, 3),
      setup_s: round(setupS, 1),
      settle_s: round(settleS, 1),
      quiet,
      idle_cpu_ms_per_s: round(idleCpuPerS),
      load_average_1m: round(loadavg()[0]!, 2),
    };
  } finally {
    await producer.disconnect();
    await executor?.kill('SIGTERM');
    await s.pool.query('DELETE FROM automation_timers WHERE topic = $1', [topic]).catch(() => undefined);
    if (!s.keep) {
      await deactivate(s.pool, orgs).catch((e: unknown) => log('could not deactivate the workflows', { err: String(e) }));
      await s.admin.deleteTopics({ topics: [topic], timeout: 30_000 }).catch((e: unknown) => log('could not delete the commands topic', { err: String(e) }));
    }
  }
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      orgs: { type: 'string', default: '20,1000,10000' },
      executions: { type: 'string', default: '20000' },
      warmup: { type: 'string', default: '1000' },
      'with-definition': { type: 'boolean', default: false },
      'executor-env': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const points = numList(values.orgs, '--orgs');
  const [total] = numList(values.executions, '--executions');
  const [warmup] = numList(values.warmup, '--warmup');
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const pool = testPool();
  const receiver = await startReceiverProcess();
  const run = `${process.pid}-${Date.now()}`;
  const results: Point[] = [];
  const s: Shared = {
    run,
    kafka,
    pool,
    admin,
    receiverUrl: receiver.url,
    def: threeStepDefinition(`bench-escale-${run}`, receiver.url),
    tag: `bench-escale-${run}`,
    withDefinition: values['with-definition'],
    warmOrgs: [],
    warmup: warmup!,
    executorEnv: envList(values['executor-env']),
    keep: values.keep,
    cdcTopics: (await admin.listTopics()).filter((t) => t.startsWith(`${process.env.FIXLIFY_CDC_PREFIX ?? 'fixlify'}.`)),
    want: new Map(),
    ended: [],
    endedIds: new Set(),
  };
  const tail = await tailTopic(kafka, TOPICS.stepResults, (m) => {
    const type = header(m, 'ce_type');
    if (!type || !ENDED.has(type)) return undefined;
    const id = header(m, 'ce_subject')?.slice('executions/'.length) ?? '';
    if (!s.want.has(id) || s.endedIds.has(id)) return undefined;
    s.endedIds.add(id);
    const ok = type === COMPLETED;
    s.ended.push({ id, at: Date.now(), ok });
    if (!ok && s.ended.filter((e) => !e.ok).length <= 5) log('execution did not complete', { result: m.value?.toString('utf8').slice(0, 500) });
    return undefined;
  });
  await tail.ready;
  try {
    s.warmOrgs = (await createBenchOrgs(pool, WARMUP_ORGS, s.def, 'Executor scale warm-up', { concurrency: 4 })).orgs;
    await storeSigningSecrets(pool, s.warmOrgs);
    for (const orgs of points) {
      log('point', { orgs, executions: total, with_definition: s.withDefinition, load_average: loadavg().map((x) => round(x, 2)) });
      const p = await runPoint(s, orgs, total!);
      log('point done', { ...p });
      results.push(p);
    }
  } finally {
    if (!s.keep) await deactivate(pool, s.warmOrgs).catch(() => undefined);
    await tail.stop();
    await admin.disconnect();
    await receiver.close();
    await pool.end();
  }
  printResults(results, total!, s.withDefinition);
};

const printResults = (results: Point[], total: number, withDefinition: boolean): void => {
  const table = new Table({
    head: [
      'orgs',
      'executions/s',
      'executor CPU ms/exec',
      'PG backends CPU ms/exec',
      'RSS MB (peak)',
      'p50 / p99 ms',
      'parked',
      'detached (waiting)',
      'cmds/batch',
      'version lookups / rows',
      'credential lookups',
      'dropped',
    ],
  });
  for (const p of results)
    table.push([
      p.orgs.toLocaleString('en'),
      p.executions_per_s.toLocaleString('en'),
      p.cpu_ms_per_execution,
      p.pg_cpu_ms_per_execution ?? 'n/a',
      `${p.rss_mb} (${p.rss_peak_mb})`,
      `${p.p50_ms.toLocaleString('en')} / ${p.p99_ms.toLocaleString('en')}`,
      p.parked.toLocaleString('en'),
      p.waiting.toLocaleString('en'),
      p.commands_per_batch,
      `${p.version_lookups.toLocaleString('en')} / ${p.version_rows_fetched.toLocaleString('en')}`,
      p.credential_lookups.toLocaleString('en'),
      p.dropped_unresolved.toLocaleString('en'),
    ]);
  console.error(table.toString());
  console.error(
    `${total.toLocaleString('en')} three-step executions per point, ${withDefinition ? 'commands carrying the definition' : 'commands without the definition (as the matcher sends them)'}; ` +
      'executions/s and CPU: first command produced → last end seen; p50/p99: produce ack → end, behind the whole backlog; ' +
      'version lookups / rows, credential lookups: PostgreSQL index probes + scans of automation_workflow_versions (rows fetched by index) and organization_channel_credentials (database-wide)',
  );
  const at = (n: number): Point | undefined => results.find((p) => p.orgs === n);
  const smallest = results.reduce((a, p) => (p.orgs < a.orgs ? p : a));
  const largest = results.reduce((a, p) => (p.orgs > a.orgs ? p : a));
  const o20 = at(20);
  const o10k = at(10_000);
  console.log(
    JSON.stringify({
      bench: 'executor-scale',
      executions_per_point: total,
      with_definition: withDefinition,
      points: results,
      cpu_ratio_10000_vs_20: o20 && o10k ? round(o10k.cpu_ms_per_execution / o20.cpu_ms_per_execution, 3) : null,
      cpu_ratio_largest_vs_smallest: round(largest.cpu_ms_per_execution / smallest.cpu_ms_per_execution, 3),
    }),
  );
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
