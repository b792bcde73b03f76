import { Counter } from 'prom-client';
import { Command, TOPICS } from '@fixlify/contracts';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, jsonDecoder, kafkaEnv, registry, runExactlyOncePipeline, runService } from '@fixlify/kafka';
import { createActionPerformer } from './actions/perform-action';
import { executorConfig } from './config';
import { processCommandBatch } from './execution/process-batch';
import { startTimerPoller } from './timers/timer-poller';

const log = createLogger('executor');
const executions = new Counter({ name: 'fixlify_executions_total', help: 'Commands run, by the state the execution reached', labelNames: ['state'] as const, registers: [registry] });

const main = async (): Promise<void> => {
  const env = kafkaEnv();
  const cfg = executorConfig();
  const pool = createPool();
  const kafka = createKafka('fixlify-executor', log);
  const policy = {
    allowPrivateNetworks: cfg.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
    allowedHosts: cfg.OUTBOUND_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean),
  };
  const actions = createActionPerformer({ pool, cfg, policy, now: () => new Date() });
  const deps = { now: () => new Date(), random: Math.random, performAction: actions.perform };

  const pipeline = await runExactlyOncePipeline<Command>({
    name: 'executor',
    kafka,
    log,
    groupId: `${env.FIXLIFY_GROUP_PREFIX}-executor`,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-executor-${env.FIXLIFY_INSTANCE_ID}`,
    topics: [TOPICS.commands],
    decode: jsonDecoder(Command),
    handle: async (items) => {
      const { out, stats } = await processCommandBatch(pool, items, deps, 64);
      executions.inc({ state: 'completed' }, stats.completed);
      executions.inc({ state: 'failed' }, stats.failed);
      executions.inc({ state: 'waiting' }, stats.waiting);
      executions.inc({ state: 'duplicate' }, stats.duplicates);
      return out;
    },
  });

  const timerProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await timerProducer.connect();
  const poller = startTimerPoller({ pool, producer: timerProducer, owner: `${env.FIXLIFY_INSTANCE_ID}:${process.pid}`, intervalMs: cfg.EXECUTOR_TIMER_POLL_MS, log });

  await runService({
    name: 'executor',
    log,
    httpPort: cfg.EXECUTOR_HTTP_PORT,
    isReady: () => pipeline.isReady(),
    stop: async () => {
      await poller.stop();
      await pipeline.stop();
      await timerProducer.disconnect();
      actions.close();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'executor failed to start');
  process.exit(1);
});
