/**
 * `npm run rebuild-projections -- [--schema <name>] [--topic <topic>] [--name <projection>] [--concurrency <n>] [--fetch-mb <n>]
 *   [--from auto|snapshot|beginning] [--snapshot-of <schema>] [--take-snapshot]`
 *
 * Drops the execution-log, metrics and workflow-counter projection of `--schema` (default
 * METRICS_SCHEMA, i.e. `public`) and replays the step-results topic from the beginning with a
 * fresh consumer group until the end offsets captured at the start, then prints counts and the
 * rate as one JSON line. A schema other than `public` is created with the live tables'
 * definitions, so a rebuild can be built beside the live projection and compared before trusting
 * it. Live projectors of the same schema pause while it runs (advisory lock); stopping them first
 * is still the tidy way, since a paused projector may be rebalanced out of its group meanwhile.
 *
 * The results topic keeps RETENTION.stepResultsDays: once its oldest results are gone, `--from auto`
 * (the default) loads the latest snapshot of `--snapshot-of` (default `--schema`) and folds the
 * results after it, and refuses when no snapshot covers what is gone. `--take-snapshot` copies the
 * projection of `--schema` as a snapshot now and exits (the metrics service takes one a day).
 */
import { parseArgs } from 'node:util';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, kafkaEnv } from '@fixlify/kafka';
import { metricsConfig, projectionName } from './config';
import { rebuildProjection, type RebuildFrom } from './rebuild/rebuild-projection';
import { projectionTarget } from './projection/target';
import { takeProjectionSnapshot } from './projection/snapshot';

const FROM: readonly RebuildFrom[] = ['auto', 'snapshot', 'beginning'];

const log = createLogger('rebuild-projections');

const main = async (): Promise<void> => {
  const env = kafkaEnv();
  const cfg = metricsConfig();
  const { values } = parseArgs({
    options: {
      schema: { type: 'string', default: cfg.METRICS_SCHEMA },
      topic: { type: 'string', default: cfg.METRICS_TOPIC },
      name: { type: 'string', default: projectionName(cfg, env.FIXLIFY_GROUP_PREFIX) },
      concurrency: { type: 'string', default: '4' },
      'fetch-mb': { type: 'string', default: '16' },
      from: { type: 'string', default: 'auto' },
      'snapshot-of': { type: 'string' },
      'take-snapshot': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error('--concurrency must be an integer between 1 and 64');
  const fetchMb = Number(values['fetch-mb']);
  if (!Number.isInteger(fetchMb) || fetchMb < 1 || fetchMb > 64) throw new Error('--fetch-mb must be an integer between 1 and 64');
  const from = values.from as RebuildFrom;
  if (!FROM.includes(from)) throw new Error(`--from must be one of ${FROM.join(', ')}`);
  const target = projectionTarget(values.schema);
  const snapshotOf = values['snapshot-of'] === undefined ? undefined : projectionTarget(values['snapshot-of']);
  const pool = createPool(undefined, concurrency + 2);
  if (values['take-snapshot']) {
    try {
      const s = await takeProjectionSnapshot(pool, target, values.name, values.topic);
      const offsets = Object.fromEntries([...s.offsets].map(([p, o]) => [p, o.toString()]));
      process.stdout.write(
        `${JSON.stringify({ snapshot: s.schema, takenAt: s.takenAt, executionLogs: s.executionLogs, metricsRows: s.metricsRows, offsets })}\n`,
      );
    } finally {
      await pool.end();
    }
    return;
  }
  const kafka = createKafka('fixlify-rebuild-projections', log);
  try {
    const report = await rebuildProjection({
      pool,
      kafka,
      log,
      command: {
        topic: values.topic,
        target,
        consumerName: values.name,
        groupId: `${env.FIXLIFY_GROUP_PREFIX}-rebuild-${target.schema}-${Date.now()}`,
        concurrency,
        maxBytesPerPartition: fetchMb * 1024 * 1024,
        from,
        snapshotOf,
      },
    });
    process.stdout.write(`${JSON.stringify({ rebuild: 'projections', ...report })}\n`);
  } finally {
    await pool.end();
  }
};

main().then(
  () => process.exit(0),
  (e: unknown) => {
    log.fatal({ err: e }, 'rebuild failed');
    process.exit(1);
  },
);
