import { BUSINESS_TABLES, DebeziumChangeEvent, TOPICS, cdcTopic, type BusinessTable, type CapturedTable } from '@fixlify/contracts';
import {
  createKafka,
  createLogger,
  jsonDecoder,
  kafkaEnv,
  runExactlyOncePipeline,
  runService,
  type OutMessage,
  initTracing, profileUntilSigterm,
} from '@fixlify/kafka';
import { createPool } from '@fixlify/db';
import { mapChange } from './cdc/map-change';
import { ClockScanner } from './clock/clock-scanner';
import { ingestConfig } from './config';
import { createEventEmitter } from './emit/event-emitter';
import { eventTraceHeaders } from './emit/event-trace';
import { startTriggerServer } from './inbound/trigger-server';
import { publicationOf } from './workflows/publish-workflow';

const log = createLogger('ingest');

const main = async (): Promise<void> => {
  profileUntilSigterm();
  initTracing('ingest');
  const env = kafkaEnv();
  const cfg = ingestConfig();
  const kafka = createKafka('fixlify-ingest', log);
  const tableOfTopic = new Map<string, CapturedTable>();
  for (const t of BUSINESS_TABLES) tableOfTopic.set(cdcTopic(env.FIXLIFY_CDC_PREFIX, t), t);
  const workflowTopic = cdcTopic(env.FIXLIFY_CDC_PREFIX, 'automation_workflows');
  const decode = jsonDecoder(DebeziumChangeEvent);

  const cdc = await runExactlyOncePipeline({
    name: 'ingest-cdc',
    kafka,
    log,
    groupId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-cdc`,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-cdc-${env.FIXLIFY_INSTANCE_ID}`,
    topics: [...tableOfTopic.keys()],
    decode,
    groupCommitPartitions: cfg.INGEST_GROUP_COMMIT_PARTITIONS,
    transactionRetryMs: cfg.INGEST_TXN_RETRY_MS,
    // each event a row yields starts a trace of its own (eventTraceHeaders), not the row
    traceItems: false,
    handle: async (items) => {
      const now = new Date();
      const out: OutMessage[] = [];
      for (const item of items) {
        const table = tableOfTopic.get(item.topic) as BusinessTable;
        for (const ev of mapChange(table, item.value, now)) {
          out.push({ topic: cfg.INGEST_EVENTS_TOPIC, key: `${ev.organizationId}:${ev.entityId ?? ''}`, value: JSON.stringify(ev), headers: eventTraceHeaders(ev, { 'messaging.destination.name': item.topic, 'messaging.kafka.offset': Number(item.offset) }) });
        }
      }
      return out;
    },
  });

  const workflows = await runExactlyOncePipeline({
    name: 'ingest-workflows',
    kafka,
    log,
    groupId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-workflows`,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-workflows-${env.FIXLIFY_INSTANCE_ID}`,
    topics: [workflowTopic],
    decode,
    handle: async (items) =>
      items.flatMap((item): OutMessage[] => {
        const p = publicationOf(item.value);
        if (!p) return [];
        if (p.kind === 'tombstone') {
          log.info({ workflowId: p.workflowId, reason: p.reason }, 'workflow withdrawn from matching');
          return [{ topic: TOPICS.workflows, key: p.workflowId, value: null }];
        }
        log.info({ workflowId: p.workflowId, organizationId: p.message.organizationId, version: p.message.version }, 'workflow published');
        return [{ topic: TOPICS.workflows, key: p.workflowId, value: JSON.stringify(p.message) }];
      }),
  });

  // clock, manual and webhook triggers: produced with their own idempotent producer, not in a consumer's transaction
  const pool = createPool();
  const emitter = await createEventEmitter(kafka, cfg.INGEST_EVENTS_TOPIC);
  const clock = cfg.CLOCK_ENABLED
    ? new ClockScanner({
        pool,
        emitter,
        log,
        pollMs: cfg.CLOCK_POLL_MS,
        entityPollMs: cfg.CLOCK_ENTITY_POLL_MS,
        catchUpMs: cfg.CLOCK_CATCH_UP_MINUTES * 60_000,
        batchLimit: cfg.CLOCK_BATCH_LIMIT,
        activationGraceMs: cfg.WORKFLOW_ACTIVATION_GRACE_MS,
      })
    : null;
  clock?.start();
  const inbound = await startTriggerServer({
    pool,
    emitter,
    log,
    port: cfg.INGEST_TRIGGER_PORT,
    host: cfg.INGEST_TRIGGER_HOST,
    internalToken: cfg.INGEST_INTERNAL_TOKEN,
    toleranceSeconds: cfg.WEBHOOK_TOLERANCE_SECONDS,
    maxBodyBytes: cfg.WEBHOOK_MAX_BODY_BYTES,
    activationGraceMs: cfg.WORKFLOW_ACTIVATION_GRACE_MS,
  });
  log.info({ port: inbound.port, host: cfg.INGEST_TRIGGER_HOST, clock: cfg.CLOCK_ENABLED }, `trigger endpoints on port ${inbound.port}`);

  await runService({
    name: 'ingest',
    log,
    httpPort: cfg.INGEST_HTTP_PORT,
    isReady: () => cdc.isReady() && workflows.isReady(),
    stop: async () => {
      await inbound.close();
      await clock?.stop();
      await cdc.stop();
      await workflows.stop();
      await emitter.stop();
      await pool.end();
    },
    extraRoutes: (path) => (path === '/triggers' ? { port: inbound.port, clock: cfg.CLOCK_ENABLED } : undefined),
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'ingest failed to start');
  process.exit(1);
});
