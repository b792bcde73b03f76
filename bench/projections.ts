/**
 * `npm run bench -- projections [--results N] [--partitions P] [--concurrency C] [--keep]`
 *
 * Rebuilds the execution-log / metrics / counters projection from a dedicated topic
 * (`bench.step-results.v1`, never the shared one) holding N synthetic step results (default
 * 1,000,000; every result kind: retries, give-ups, delays, suppressed messages, cancellations),
 * into a scratch schema, with the same code as `npm run rebuild-projections`. The topic is
 * filled once and reused while it holds exactly N results. Prints one JSON line last.
 */
import { parseArgs } from 'node:util';
import { CompressionTypes } from 'kafkajs';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, ensureTopics } from '@fixlify/kafka';
import { dropProjectionSchema, projectionTarget } from '../services/metrics/src/projection/target';
import { rebuildProjection } from '../services/metrics/src/rebuild/rebuild-projection';
import { seededUuid, syntheticStepResults } from '../services/metrics/src/testing/synthetic-step-results';

const TOPIC = 'bench.step-results.v1';
const log = createLogger('bench-projections');

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      results: { type: 'string', default: '1000000' },
      partitions: { type: 'string', default: '6' },
      concurrency: { type: 'string', default: '3' },
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
    for (const r of syntheticStepResults({ organizationIds: orgs, workflowsPerOrg: 20, executions: Math.ceil(wanted / 3), startMs: Date.UTC(2025, 0, 1), seed: 'bench' })) {
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

  const target = projectionTarget('bench_projections');
  const pool = createPool(undefined, concurrency + 2);
  try {
    const report = await rebuildProjection({
      pool,
      kafka,
      log,
      command: { topic: TOPIC, target, consumerName: 'bench-projections', groupId: `fixlify-bench-projections-${Date.now()}`, concurrency },
    });
    if (!values.keep) await dropProjectionSchema(pool, target);
    console.log(
      JSON.stringify({
        bench: 'projections',
        topic: TOPIC,
        results_in_topic: inTopic,
        partitions,
        concurrency,
        produce_seconds: produceSeconds,
        results: report.results,
        applied: report.applied,
        execution_logs: report.executionLogs,
        metrics_rows: report.metricsRows,
        seconds: Number(report.seconds.toFixed(2)),
        step_results_per_s: report.resultsPerSecond,
      }),
    );
  } finally {
    await pool.end();
  }
};

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log.fatal({ err: e }, 'bench failed');
    process.exit(1);
  },
);
