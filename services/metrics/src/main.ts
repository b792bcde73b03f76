import { RETENTION, TOPICS } from '@fixlify/contracts';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, Health, kafkaEnv, probeKafka, probePostgres, runService, initTracing, profileUntilSigterm } from '@fixlify/kafka';
import { metricsConfig, projectionName } from './config';
import { startLifecycle } from './lifecycle/lifecycle';
import { startProjector } from './projection/projector';
import { ensureProjectionSchema, projectionTarget, restoreIndexesLeftByDeadRebuild } from './projection/target';

const log = createLogger('metrics');

const main = async (): Promise<void> => {
  profileUntilSigterm();
  initTracing('metrics');
  const env = kafkaEnv();
  const cfg = metricsConfig();
  const pool = createPool();
  const kafka = createKafka('fixlify-metrics', log);
  const pg = probePostgres(pool, log);
  const broker = probeKafka(kafka, log);
  const target = projectionTarget(cfg.METRICS_SCHEMA);
  await ensureProjectionSchema(pool, target);
  const restored = await restoreIndexesLeftByDeadRebuild(pool, target);
  if (restored.length) log.warn({ schema: target.schema, indexes: restored }, 'indexes left dropped by an interrupted rebuild were created again');
  const groupId = `${env.FIXLIFY_GROUP_PREFIX}-metrics`;
  const consumerName = projectionName(cfg, env.FIXLIFY_GROUP_PREFIX);
  const projector = await startProjector({
    kafka,
    pool,
    groupId,
    consumerName,
    topic: cfg.METRICS_TOPIC,
    target,
    log,
    fromBeginning: env.FIXLIFY_START_FROM === 'earliest',
    pauseDuringRebuild: true,
    concurrency: cfg.METRICS_CONCURRENCY,
    maxBytesPerPartition: cfg.METRICS_MAX_BYTES_PER_PARTITION,
  });
  log.info({ topic: cfg.METRICS_TOPIC, schema: target.schema, projection: consumerName, groupId }, 'projecting step results');
  // the lifecycle of the live tables; a scratch projection has none
  const admin = kafka.admin();
  let adminConnected: Promise<void> | null = null;
  const lifecycle =
    target.schema === 'public' && cfg.LIFECYCLE_INTERVAL_MS > 0
      ? startLifecycle({
          pool,
          admin: async () => {
            await (adminConnected ??= admin.connect().catch((e: unknown) => {
              adminConnected = null;
              throw e;
            }));
            return admin;
          },
          log,
          eventsTopic: TOPICS.events,
          executionLogRetentionDays: cfg.EXECUTION_LOG_RETENTION_DAYS,
          intervalMs: cfg.LIFECYCLE_INTERVAL_MS,
          snapshot: { target, consumer: consumerName, topic: cfg.METRICS_TOPIC, everyMs: RETENTION.snapshotEveryHours * 3_600_000 },
          brokers: env.KAFKA_BROKERS,
        })
      : null;
  await runService({
    name: 'metrics',
    log,
    httpPort: cfg.METRICS_HTTP_PORT,
    health: new Health().add(`consumer ${consumerName}`, projector.check).add('postgres', pg.check).add('kafka', broker.check),
    stop: async () => {
      pg.stop();
      broker.stop();
      await projector.stop();
      await lifecycle?.stop();
      await admin.disconnect();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'metrics failed to start');
  process.exit(1);
});
