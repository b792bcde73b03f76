import { Counter } from 'prom-client';
import type { Command } from '@fixlify/contracts';
import { createPool } from '@fixlify/db';
import { createKafka, createLogger, Health, kafkaEnv, probeKafka, probePostgres, registry, runExactlyOncePipeline, runService, initTracing, profileUntilSigterm } from '@fixlify/kafka';
import { credentialsKey, secretOpener } from '@fixlify/channels';
import { OrgAccounts } from './actions/org-accounts';
import { createActionPerformer } from './actions/perform-action';
import { executorConfig } from './config';
import { createCommandDecoder } from './execution/decode-command';
import { classifyBatchFailure } from './execution/infra-error';
import { processCommandBatch } from './execution/process-batch';
import { startTimerPoller, TIMER_HEADER } from './timers/timer-poller';

const log = createLogger('executor');
const executions = new Counter({ name: 'fixlify_executions_total', help: 'Commands run, by the state the execution reached', labelNames: ['state'] as const, registers: [registry] });

const main = async (): Promise<void> => {
  initTracing('executor');
  profileUntilSigterm();
  const env = kafkaEnv();
  const cfg = executorConfig();
  const pool = createPool(undefined, cfg.EXECUTOR_DB_POOL_MAX);
  const kafka = createKafka('fixlify-executor', log);
  const pg = probePostgres(pool, log);
  const broker = probeKafka(kafka, log);
  const policy = {
    allowPrivateNetworks: cfg.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
    allowedHosts: cfg.OUTBOUND_ALLOWED_HOSTS,
  };
  const now = (): Date => new Date();
  const accounts = new OrgAccounts(pool, credentialsKey(), cfg.EXECUTOR_CREDENTIALS_TTL_MS);
  const actions = createActionPerformer({ pool, cfg, policy, now, accounts });
  const deps = { now, random: Math.random, performAction: actions.perform, openSecrets: secretOpener(credentialsKey()) };

  // the poller starts first: the pipeline hands it credits back as it sees re-emitted commands
  const poller = startTimerPoller({
    pool,
    connectProducer: async () => {
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      return p;
    },
    topic: cfg.EXECUTOR_COMMANDS_TOPIC,
    owner: `${env.FIXLIFY_INSTANCE_ID}:${process.pid}`,
    intervalMs: cfg.EXECUTOR_TIMER_POLL_MS,
    maxInFlight: cfg.EXECUTOR_TIMER_MAX_IN_FLIGHT,
    log,
  });

  const groupId = `${env.FIXLIFY_GROUP_PREFIX}-executor`;
  const traceTiming = process.env.FIXLIFY_TRACE_TIMING === '1';
  const pipeline = await runExactlyOncePipeline<Command>({
    name: 'executor',
    kafka,
    log,
    groupId,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-executor-${env.FIXLIFY_INSTANCE_ID}`,
    topics: [cfg.EXECUTOR_COMMANDS_TOPIC],
    decode: createCommandDecoder(),
    // timer re-emits carry no traceparent: continue the trace of the execution's event
    traceIdOf: (c) => (c.kind === 'cancel' ? null : c.event.eventId),
    maxBytesPerPartition: cfg.EXECUTOR_MAX_BYTES_PER_PARTITION,
    groupCommitPartitions: cfg.EXECUTOR_GROUP_COMMIT_PARTITIONS,
    transactionRetryMs: cfg.EXECUTOR_TXN_RETRY_MS,
    handle: async (items) => {
      poller.consumed(items.reduce((n, i) => n + (i.headers[TIMER_HEADER] ? 1 : 0), 0));
      const { out, stats } = await processCommandBatch(pool, items, deps, {
        concurrency: cfg.EXECUTOR_CONCURRENCY,
        orgShare: cfg.EXECUTOR_ORG_BATCH_SHARE,
        topic: cfg.EXECUTOR_COMMANDS_TOPIC,
        group: groupId,
        flush: actions.flush,
        ...(cfg.EXECUTOR_BATCH_DEADLINE_MS > 0 ? { deadlineMs: cfg.EXECUTOR_BATCH_DEADLINE_MS } : {}),
      }).catch(async (e: unknown) => {
        throw await classifyBatchFailure(e, () => pool.query('SELECT 1'));
      });
      executions.inc({ state: 'completed' }, stats.completed);
      executions.inc({ state: 'failed' }, stats.failed);
      executions.inc({ state: 'waiting' }, stats.waiting);
      executions.inc({ state: 'duplicate' }, stats.duplicates);
      executions.inc({ state: 'parked' }, stats.parked);
      if (traceTiming) log.info({ n: items.length, ...stats }, 'executor batch phases');
      return out;
    },
  });

  await runService({
    name: 'executor',
    log,
    httpPort: cfg.EXECUTOR_HTTP_PORT,
    health: new Health().add('consumer executor', pipeline.check).add('postgres', pg.check).add('kafka', broker.check).add('timer poller', poller.check),
    stop: async () => {
      pg.stop();
      broker.stop();
      await poller.stop();
      await pipeline.stop();
      actions.close();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'executor failed to start');
  process.exit(1);
});
