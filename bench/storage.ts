/**
 * `npm run bench -- storage [--executions N] [--orgs N] [--rate R] [--insert-rate R]`
 *
 * What one execution costs in storage. Runs N executions (default 5,000) of the three-step benchmark
 * workflow (condition → webhook → update_record), started by real row changes through the whole
 * pipeline, and measures, for this run's messages and rows only:
 * - per topic: the record bytes (key + value + headers) of every message this run wrote, read with
 *   read_committed, per execution; and how much the topic's logs grew on the brokers (Kafka's
 *   DescribeLogDirs: what the broker really stores, compressed, batch headers included; other traffic
 *   running at the same time adds to it);
 * - per table: the bytes of this run's rows (pg_column_size) and how much each relation grew
 *   (pg_total_relation_size over its partitions: indexes, TOAST and dead tuples included), per execution;
 *   the steady state takes the larger of the two (a table reusing free space grows less than it stores).
 * Topics are zstd-compressed per batch, so what is stored depends on how many messages a batch holds:
 * by default the jobs are inserted 500 per transaction (batches are full); `--insert-rate R` inserts
 * one job per transaction, R per second (small batches, as at low load).
 * Then the steady state for a rate (--rate, default 100 executions/s) under the default retentions of
 * libs/contracts retention.ts: GB written per day and the size at which deletion balances it.
 * Prints one JSON line last: {"bench":"storage","bytes_per_execution":…,"topics":{…},"tables":{…},"steady_state":{…}}.
 */
import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { RETENTION, TOPICS, cdcTopic, type StepResult } from '@fixlify/contracts';
import { allowLoopback, startService, startWebhookReceiver, tailTopic, testKafka, testPool, waitFor, type ServiceProcess } from '@fixlify/testing';
import { topicDiskBytes } from '@fixlify/kafka';
import { relationSizes } from '@fixlify/db';
import { stackConfig } from '../infra/local/src/config';
import { createBenchOrgs, threeStepDefinition, waitIndexed } from './lib/three-step';

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GB = 1e9;

/** The bytes a record takes as the broker receives it, before batching: key, value, header names and values. */
const recordBytes = (m: KafkaMessage): number => {
  let n = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += Buffer.byteLength(k);
    for (const x of Array.isArray(v) ? v : [v]) n += x === undefined ? 0 : Buffer.isBuffer(x) ? x.length : Buffer.byteLength(x);
  }
  return n;
};

/** What each table is kept for, in days, under the default retentions (null: as long as the record it belongs to). */
const TABLE_RETENTION_DAYS: Record<string, number | null> = {
  automation_execution_logs: RETENTION.executionLogDays,
  automation_executions: RETENTION.eventsDays + RETENTION.dedupeMarginDays,
  automation_deliveries: RETENTION.eventsDays + RETENTION.dedupeMarginDays,
  // a timer is deleted when it fires: the table holds only the executions waiting now
  automation_timers: 0,
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      executions: { type: 'string', default: '5000' },
      orgs: { type: 'string', default: '10' },
      rate: { type: 'string', default: '100' },
      'insert-rate': { type: 'string' },
    },
    strict: true,
  });
  const total = Number(values.executions);
  const orgCount = Number(values.orgs);
  const rate = Number(values.rate);
  const insertRate = values['insert-rate'] === undefined ? null : Number(values['insert-rate']);
  if (!(total > 0 && orgCount > 0 && rate > 0 && (insertRate === null || insertRate > 0)))
    throw new Error('--executions, --orgs, --rate and --insert-rate must be positive numbers');
  const config = stackConfig();
  const brokers = config.KAFKA_BROKERS;
  const pool = testPool();
  const kafka = testKafka();
  const receiver = await startWebhookReceiver();
  const services: ServiceProcess[] = [];
  const tails: { stop: () => Promise<void> }[] = [];
  try {
    const env = { OUTBOUND_ALLOWED_HOSTS: allowLoopback(Number(new URL(receiver.url).port)), LOG_LEVEL: 'warn' };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `bench-storage-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
    const tag = `storage-${process.pid}`;
    const { orgs, prefix } = await createBenchOrgs(pool, orgCount, threeStepDefinition(tag, receiver.url), 'Storage bench');
    await waitIndexed(services.find((s) => s.name === 'matcher')!.port, orgs);
    const orgIds = orgs.map((o) => o.org);

    // every message of this run carries one of its organization ids, which share `prefix`
    const needle = Buffer.from(prefix);
    const topics = [cdcTopic(config.cdcPrefix, 'jobs'), TOPICS.events, TOPICS.commands, TOPICS.stepResults];
    const bytes = new Map<string, { messages: number; bytes: number }>(topics.map((t) => [t, { messages: 0, bytes: 0 }]));
    let completed = 0;
    for (const t of topics) {
      const tail = await tailTopic(kafka, t, (m) => {
        if (!m.value?.includes(needle)) return undefined;
        const b = bytes.get(t)!;
        b.messages++;
        b.bytes += recordBytes(m);
        if (t === TOPICS.stepResults) {
          const kind = (JSON.parse(m.value.toString('utf8')) as StepResult).kind;
          if (kind === 'execution_completed' || kind === 'execution_failed') completed++;
        }
        return undefined;
      });
      tails.push(tail);
      await tail.ready;
    }
    const tables = Object.keys(TABLE_RETENTION_DAYS);
    const relationBytes = async (): Promise<Record<string, number>> => Object.fromEntries(await relationSizes(pool, tables));
    await pool.query(`VACUUM ANALYZE ${tables.join(', ')}`);
    const relBefore = await relationBytes();
    const diskBefore = await topicDiskBytes(brokers);

    const t0 = Date.now();
    const insert = (o: (typeof orgs)[number], n: number) =>
      pool.query(`INSERT INTO jobs (organization_id, client_id, title, total) SELECT $1, $2, $3 || '-' || g, 100 + g FROM generate_series(1, $4) g`, [
        o.org,
        o.client,
        tag,
        n,
      ]);
    if (insertRate === null) for (let i = 0; i < total; i += 500) await insert(orgs[(i / 500) % orgs.length]!, Math.min(500, total - i));
    else
      for (let i = 0; i < total; i++) {
        const wait = t0 + (i * 1000) / insertRate - Date.now();
        if (wait > 0) await sleep(wait);
        await insert(orgs[i % orgs.length]!, 1);
      }
    await waitFor(
      async () => completed >= total || undefined,
      600_000,
      `${total} executions`,
      500,
      () => `${completed} done`,
    );
    // each execution's update_record comes back through change capture as a job_status_changed event
    await waitFor(async () => bytes.get(TOPICS.events)!.messages >= 2 * total || undefined, 300_000, 'the change-capture echoes of the updates', 500);
    await sleep(3000); // the projection's last batches
    const seconds = (Date.now() - t0) / 1000;
    console.log(`storage: ${total} executions in ${round(seconds, 1)} s; measuring`);

    await pool.query(`VACUUM ANALYZE ${tables.join(', ')}`);
    const relAfter = await relationBytes();
    const diskAfter = await topicDiskBytes(brokers);
    const topicFigures = Object.fromEntries(
      topics.map((t) => {
        const b = bytes.get(t)!;
        const before = diskBefore.get(t) ?? null;
        const after = diskAfter.get(t) ?? null;
        return [
          t,
          {
            messages_per_execution: round(b.messages / total, 2),
            bytes_per_message: round(b.bytes / Math.max(1, b.messages)),
            bytes_per_execution: round(b.bytes / total),
            disk_bytes_per_execution: before === null || after === null ? null : round((after - before) / total),
          },
        ];
      }),
    );
    const tableFigures: Record<string, { rows_per_execution: number; row_bytes_per_execution: number; relation_growth_per_execution: number }> = {};
    for (const t of tables) {
      const r = await pool.query<{ n: string; b: string | null }>(
        `SELECT count(*) AS n, sum(pg_column_size(x.*)) AS b FROM ${t} x WHERE organization_id = ANY($1::uuid[])`,
        [orgIds],
      );
      tableFigures[t] = {
        rows_per_execution: round(Number(r.rows[0]!.n) / total, 2),
        row_bytes_per_execution: round(Number(r.rows[0]!.b ?? 0) / total),
        relation_growth_per_execution: round((relAfter[t]! - relBefore[t]!) / total),
      };
    }
    const automationTopics = [TOPICS.events, TOPICS.commands, TOPICS.stepResults];
    const stored = (t: string) => topicFigures[t]!.disk_bytes_per_execution ?? topicFigures[t]!.bytes_per_execution;
    const perExecution = automationTopics.reduce((n, t) => n + stored(t), 0);
    const recordsPerExecution = automationTopics.reduce((n, t) => n + topicFigures[t]!.bytes_per_execution, 0);

    // steady state at `rate`: written per day, and kept once deletion balances it (bytes × rate × retention)
    const perDay = rate * 86_400;
    const topicRetention: Record<string, number> = {
      [cdcTopic(config.cdcPrefix, 'jobs')]: RETENTION.cdcDays,
      [TOPICS.events]: RETENTION.eventsDays,
      [TOPICS.commands]: RETENTION.commandsDays,
      [TOPICS.stepResults]: RETENTION.stepResultsDays,
    };
    const steady = (bytesPerExecution: number, keptDays: number) => ({
      gb_per_day: round((bytesPerExecution * perDay) / GB, 1),
      kept_days: keptDays,
      steady_state_gb: round((bytesPerExecution * perDay * keptDays) / GB, 1),
    });
    const steadyTopics = Object.fromEntries(topics.map((t) => [t, steady(stored(t), topicRetention[t]!)]));
    // a table that reuses free space (rows deleted earlier) grows less than it stores: take the larger of the two
    const tableBytes = (t: string) => Math.max(tableFigures[t]!.relation_growth_per_execution, tableFigures[t]!.row_bytes_per_execution);
    const steadyTables = Object.fromEntries(tables.map((t) => [t, steady(tableBytes(t), TABLE_RETENTION_DAYS[t]!)]));
    const sum = (xs: { gb_per_day: number; steady_state_gb: number }[]) => ({
      gb_per_day: round(
        xs.reduce((n, x) => n + x.gb_per_day, 0),
        1,
      ),
      steady_state_gb: round(
        xs.reduce((n, x) => n + x.steady_state_gb, 0),
        1,
      ),
    });
    console.log(
      JSON.stringify({
        bench: 'storage',
        executions: total,
        // the automation topics (events, commands, step results) as stored; records: before compression
        bytes_per_execution: perExecution,
        bytes_per_execution_target: 3000,
        record_bytes_per_execution: recordsPerExecution,
        batches: insertRate === null ? 'full (500 jobs per transaction)' : `one job per transaction, ${insertRate}/s`,
        topics: topicFigures,
        tables: tableFigures,
        steady_state: {
          executions_per_s: rate,
          topics: steadyTopics,
          tables: steadyTables,
          kafka: sum(Object.values(steadyTopics)),
          postgres: sum(Object.values(steadyTables)),
        },
      }),
    );
  } finally {
    for (const t of tails) await t.stop();
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver.close();
    await pool.end();
  }
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
