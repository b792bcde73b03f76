import { createPool } from '@fixlify/db';
import { createKafka, createLogger, kafkaEnv, runService } from '@fixlify/kafka';
import { metricsConfig } from './config';
import { startProjector } from './projection/projector';

const log = createLogger('metrics');

const main = async (): Promise<void> => {
  const env = kafkaEnv();
  const cfg = metricsConfig();
  const pool = createPool();
  const kafka = createKafka('fixlify-metrics', log);
  const projector = await startProjector({ kafka, pool, groupId: `${env.FIXLIFY_GROUP_PREFIX}-metrics`, consumerName: cfg.METRICS_PROJECTION_NAME, log });
  await runService({
    name: 'metrics',
    log,
    httpPort: cfg.METRICS_HTTP_PORT,
    isReady: () => projector.isReady(),
    stop: async () => {
      await projector.stop();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'metrics failed to start');
  process.exit(1);
});
