/**
 * `npm run bench -- projections [--results N] [--partitions P] [--concurrency C] [--fetch-mb M] [--keep]`
 *
 * Rebuilds the execution-log / metrics / counters projection from a dedicated topic
 * (`bench.step-results.v1`, never the shared one) holding N synthetic step results (default
 * 1,000,000; every result kind: retries, give-ups, delays, suppressed messages, cancellations),
 * into a scratch schema, by running `npm run rebuild-projections`' script as an operator would. The
 * topic is filled once and reused while it holds exactly N results. Prints one JSON line last, with
 * the load average: the machine is shared, so figures are noisy.
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CompressionTypes } from 'kafkajs';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, ensureTopics } from '@fixlify/kafka';
import { dropProjectionSchema, projectionTarget } from '../services/metrics/src/projection/target';
import { seededUuid, syntheticStepResults } from '../services/metrics/src/testing/synthetic-step-results';

const TOPIC = 'bench.step-results.v1';
const log = createLogger('bench-projections');

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      results: { type: 'string', default: '1000000' },
      partitions: { type: 'string', default: '6' },
      concurrency: { type: 'string', default: '4' },
      'fetch-mb': { type: 'string', default: '16' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const wanted = Number(values.results);
  const partitions = Number(values.partitions);
  const concurrency = Number(values.concurrency);
  const kafka = createKafka('fixlify-bench-projections', log);
  const admin = kafka.admin();
  await admin.connect();

  // the topic: reused while it holds exactly the wanted number of results
  const count = async (): Promise<number> => {
    const offs = await admin.fetchTopicOffsets(TOPIC);
    return offs.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  };
  const existing = (await admin.listTopics()).includes(TOPIC);
  const meta = existing ? await admin.fetchTopicMetadata({ topics: [TOPIC] }) : null;
  if (existing && ((await count()) !== wanted || meta?.topics[0]?.partitions.length !== partitions)) {
    log.info({ topic: TOPIC }, 'bench topic holds another data set: recreating it');
    await admin.deleteTopics({ topics: [TOPIC], timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 2000));
  }
  await ensureTopics(admin, [{ topic: TOPIC, numPartitions: partitions, configEntries: [{ name: 'retention.ms', value: '-1' }] }]);
  let produceSeconds: number | null = null;
  if ((await count()) !== wanted) {
    const t0 = Date.now();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const orgs = Array.from({ length: 50 }, (_, i) => seededUuid(`bench|org|${i}`));
    let batch: { key: string; value: string }[] = [];
    let sent = 0;
    const flush = async (): Promise<void> => {
      if (!batch.length) return;
      await producer.send({ topic: TOPIC, messages: batch, compression: CompressionTypes.None });
      sent += batch.length;
      batch = [];
    };
    // executions until the wanted number of results (the last execution may be cut short: a partial execution is realistic)
    for (const r of syntheticStepResults({
      organizationIds: orgs,
      workflowsPerOrg: 20,
      executions: Math.ceil(wanted / 3),
      startMs: Date.UTC(2025, 0, 1),
      seed: 'bench',
    })) {
      if (sent + batch.length >= wanted) break;
      batch.push({ key: r.executionId, value: JSON.stringify(r) });
      if (batch.length >= 5000) await flush();
    }
    await flush();
    await producer.disconnect();
    produceSeconds = (Date.now() - t0) / 1000;
    log.info({ produced: sent, seconds: produceSeconds }, 'bench topic filled');
  }
  const inTopic = await count();
  await admin.disconnect();

  // the rebuild command itself, as an operator runs it
  const target = projectionTarget('bench_projections');
  const args = ['-r', '@swc-node/register', 'services/metrics/src/rebuild.ts', '--schema', target.schema, '--topic', TOPIC, '--name', 'bench-projections'];
  args.push('--concurrency', String(concurrency), '--fetch-mb', values['fetch-mb']);
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: join(__dirname, '..'), env: process.env, maxBuffer: 256 * 1024 * 1024 });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as {
    results: number;
    applied: number;
    executionLogs: number;
    metricsRows: number;
    seconds: number;
    resultsPerSecond: number;
  };
  const pool = createPool(undefined, 1);
  try {
    if (!values.keep) await dropProjectionSchema(pool, target);
  } finally {
    await pool.end();
  }
  console.log(
    JSON.stringify({
      bench: 'projections',
      topic: TOPIC,
      results_in_topic: inTopic,
      partitions,
      concurrency,
      fetch_mb: Number(values['fetch-mb']),
      produce_seconds: produceSeconds,
      results: report.results,
      applied: report.applied,
      execution_logs: report.executionLogs,
      metrics_rows: report.metricsRows,
      seconds: Number(report.seconds.toFixed(2)),
      load_average: loadavg().map((l) => Number(l.toFixed(2))),
      step_results_per_s: report.resultsPerSecond,
    }),
  );
};

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log.fatal({ err: e }, 'bench failed');
    process.exit(1);
  },
);
