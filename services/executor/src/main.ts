import { unsubscribeLinks } from './actions/unsubscribe-links';
import { Counter } from 'prom-client';
import type { Command } from '@fixlify/contracts';
import { createPool } from '@fixlify/db';
import {
  createKafka,
  createLogger,
  Health,
  kafkaEnv,
  probeKafka,
  probePostgres,
  registry,
  runExactlyOncePipeline,
  runService,
  type OutMessage,
  type PipelineItem,
  initTracing,
  lowerCpuPriority,
  profileUntilSigterm,
} from '@fixlify/kafka';
import { credentialsKey, secretOpener } from '@fixlify/channels';
import { OrgAccounts } from './actions/org-accounts';
import { createActionPerformer } from './actions/perform-action';
import { executorConfig } from './config';
import { createCommandDecoder } from './execution/decode-command';
import { DefinitionCache, createDefinitionStore } from './execution/definitions';
import { classifyBatchFailure } from '@fixlify/engine';
import { processCommandBatch } from './execution/process-batch';
import { chunksByCount, LiveLoad } from './execution/replay-lane';
import { startTimerPoller, TIMER_HEADER } from './timers/timer-poller';

const log = createLogger('executor');
const executions = new Counter({
  name: 'fixlify_executions_total',
  help: 'Commands run, by the state the execution reached and the lane (live or replay)',
  labelNames: ['state', 'lane'] as const,
  registers: [registry],
});
const laneWait = new Counter({
  name: 'fixlify_replay_lane_wait_ms_total',
  help: 'Time the replay lane waited for live batches to finish (ms)',
  registers: [registry],
});

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const main = async (): Promise<void> => {
  initTracing('executor');
  profileUntilSigterm();
  const env = kafkaEnv();
  const cfg = executorConfig();
  const nice = lowerCpuPriority(cfg.EXECUTOR_NICE);
  log.info({ lanes: cfg.EXECUTOR_LANES, nice }, 'executor lanes');
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
  const unsubscribeUrl = unsubscribeLinks(cfg);
  const actions = createActionPerformer({ pool, cfg, policy, now, accounts, unsubscribeUrl });
  const deps = {
    now,
    random: Math.random,
    performAction: actions.perform,
    openSecrets: secretOpener(credentialsKey()),
    unsubscribeUrl,
  };

  // the poller starts first: the pipeline hands it credits back as it sees re-emitted commands.
  // Timers are live work (continuations of every execution): only instances with the live lane poll them.
  const poller = !cfg.EXECUTOR_LANES.live
    ? null
    : startTimerPoller({
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

  // workflow versions by id, shared by both lanes' decoders and the batches that resolve what commands omit
  const definitionCache = new DefinitionCache();
  const definitions = createDefinitionStore(pool, definitionCache, log);
  const groupId = `${env.FIXLIFY_GROUP_PREFIX}-executor`;
  const traceTiming = process.env.FIXLIFY_TRACE_TIMING === '1';
  const live = new LiveLoad();
  const runBatch = async (items: PipelineItem<Command>[], o: { concurrency: number; orgShare: number; lane: 'live' | 'replay' }): Promise<OutMessage[]> => {
    poller?.consumed(items.reduce((n, i) => n + (i.headers[TIMER_HEADER] ? 1 : 0), 0));
    const { out, stats } = await processCommandBatch(pool, items, deps, {
      concurrency: o.concurrency,
      orgShare: o.orgShare,
      // continuations (delays, retries) of every execution, backfilled or live, come back on the live topic
      topic: cfg.EXECUTOR_COMMANDS_TOPIC,
      definitions,
      // one owner group for both lanes: a backfilled execution's continuations are the live group's to run
      group: groupId,
      flush: actions.flush,
      ...(cfg.EXECUTOR_BATCH_DEADLINE_MS > 0 ? { deadlineMs: cfg.EXECUTOR_BATCH_DEADLINE_MS } : {}),
    }).catch(async (e: unknown) => {
      throw await classifyBatchFailure(e, () => pool.query('SELECT 1'));
    });
    executions.inc({ state: 'completed', lane: o.lane }, stats.completed);
    executions.inc({ state: 'failed', lane: o.lane }, stats.failed);
    executions.inc({ state: 'waiting', lane: o.lane }, stats.waiting);
    executions.inc({ state: 'unresolved', lane: o.lane }, stats.unresolved);
    executions.inc({ state: 'duplicate', lane: o.lane }, stats.duplicates);
    executions.inc({ state: 'parked', lane: o.lane }, stats.parked);
    if (traceTiming) log.info({ n: items.length, lane: o.lane, ...stats }, 'executor batch phases');
    return out;
  };
  const pipeline = !cfg.EXECUTOR_LANES.live
    ? null
    : await runExactlyOncePipeline<Command>({
        name: 'executor',
        kafka,
        log,
        groupId,
        transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-executor-${env.FIXLIFY_INSTANCE_ID}`,
        topics: [cfg.EXECUTOR_COMMANDS_TOPIC],
        decode: createCommandDecoder(definitionCache),
        // timer re-emits carry no traceparent: continue the trace of the execution's event
        traceIdOf: (c) => (c.kind === 'cancel' ? null : c.event.eventId),
        maxBytesPerPartition: cfg.EXECUTOR_MAX_BYTES_PER_PARTITION,
        groupCommitPartitions: cfg.EXECUTOR_GROUP_COMMIT_PARTITIONS,
        transactionRetryMs: cfg.EXECUTOR_TXN_RETRY_MS,
        handle: (items) => live.run(() => runBatch(items, { concurrency: cfg.EXECUTOR_CONCURRENCY, orgShare: cfg.EXECUTOR_ORG_BATCH_SHARE, lane: 'live' })),
      });

  // the replay lane: backfill starts, in small chunks, each only once no live batch is in flight
  const lane =
    cfg.EXECUTOR_LANES.replay && cfg.EXECUTOR_REPLAY_TOPIC
      ? await runExactlyOncePipeline<Command>({
          name: 'executor-replay',
          kafka,
          log,
          groupId: `${groupId}-replay`,
          transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-executor-replay-${env.FIXLIFY_INSTANCE_ID}`,
          topics: [cfg.EXECUTOR_REPLAY_TOPIC],
          decode: createCommandDecoder(definitionCache),
          traceIdOf: (c) => (c.kind === 'cancel' ? null : c.event.eventId),
          maxBytesPerPartition: cfg.EXECUTOR_REPLAY_MAX_BYTES_PER_PARTITION,
          groupCommitPartitions: 1,
          transactionRetryMs: cfg.EXECUTOR_TXN_RETRY_MS,
          handle: async (items) => {
            const out: OutMessage[] = [];
            for (const chunk of chunksByCount(items, cfg.EXECUTOR_REPLAY_CHUNK)) {
              // let I/O callbacks run first: a live fetch that has arrived starts its batch, and the lane sees it busy
              await yieldToIo();
              laneWait.inc(await live.idle(cfg.EXECUTOR_REPLAY_MAX_WAIT_MS));
              // no fairness parking here: a parked lane command would come back on the live topic
              out.push(...(await runBatch(chunk, { concurrency: cfg.EXECUTOR_REPLAY_CONCURRENCY, orgShare: Number.MAX_SAFE_INTEGER, lane: 'replay' })));
            }
            return out;
          },
        })
      : null;

  const health = new Health();
  if (pipeline) health.add('consumer executor', pipeline.check);
  if (lane) health.add('consumer executor-replay', lane.check);
  if (poller) health.add('timer poller', poller.check);
  await runService({
    name: 'executor',
    log,
    httpPort: cfg.EXECUTOR_HTTP_PORT,
    health: health.add('postgres', pg.check).add('kafka', broker.check),
    stop: async () => {
      pg.stop();
      broker.stop();
      await poller?.stop();
      await lane?.stop();
      await pipeline?.stop();
      actions.close();
      await pool.end();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'executor failed to start');
  process.exit(1);
});
