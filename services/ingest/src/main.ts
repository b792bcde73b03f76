import { BUSINESS_TABLES, TOPICS, domainEventHeaders, eventKey, cdcHeartbeatTopic, cdcTopic, type BusinessTable, type CapturedTable } from '@fixlify/contracts';
import {
  createKafka,
  createLogger,
  Health,
  probeKafka,
  probePostgres,
  kafkaEnv,
  runExactlyOncePipeline,
  runService,
  type OutMessage,
  initTracing,
  profileUntilSigterm,
} from '@fixlify/kafka';
import { createPool } from '@fixlify/db';
import { telnyxPublicKey } from '@fixlify/channels';
import { startCaptureWatchdog } from './cdc/capture-watchdog';
import { cdcDecoder } from './cdc/decode-change';
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
  const broker = probeKafka(kafka, log);
  const tableOfTopic = new Map<string, CapturedTable>();
  for (const t of BUSINESS_TABLES) tableOfTopic.set(cdcTopic(env.FIXLIFY_CDC_PREFIX, t), t);
  const workflowTopic = cdcTopic(env.FIXLIFY_CDC_PREFIX, 'automation_workflows');
  tableOfTopic.set(workflowTopic, 'automation_workflows');
  // a change too large for Connect arrives as an oversized marker: a dead letter naming the row
  const decode = cdcDecoder((topic) => tableOfTopic.get(topic));
  const businessTopics = BUSINESS_TABLES.map((t) => cdcTopic(env.FIXLIFY_CDC_PREFIX, t));
  const heartbeatTopic = cdcHeartbeatTopic(env.FIXLIFY_CDC_PREFIX);
  const pool = createPool();
  const pg = probePostgres(pool, log);
  const watchdog = cfg.CDC_WATCH_ENABLED
    ? startCaptureWatchdog({
        pool,
        log,
        connectUrl: cfg.CONNECT_URL,
        connectorName: cfg.CDC_CONNECTOR_NAME,
        slotName: cfg.CDC_SLOT_NAME,
        heartbeatIntervalMs: cfg.CDC_HEARTBEAT_INTERVAL_MS,
        pollMs: cfg.CDC_WATCH_POLL_MS,
        restartFailedEveryMs: cfg.CDC_RESTART_FAILED_EVERY_MS,
      })
    : null;

  const cdc = await runExactlyOncePipeline({
    name: 'ingest-cdc',
    kafka,
    log,
    groupId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-cdc`,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-ingest-cdc-${env.FIXLIFY_INSTANCE_ID}`,
    // the heartbeats ride along: their broker time is change capture's pulse, end to end
    topics: [...businessTopics, heartbeatTopic],
    decode: (m, topic) => {
      if (topic !== heartbeatTopic) return decode(m, topic);
      watchdog?.heartbeat(Number(m.timestamp));
      return { ok: 'skip' };
    },
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
          out.push({
            topic: cfg.INGEST_EVENTS_TOPIC,
            key: eventKey(ev),
            value: JSON.stringify(ev),
            headers: {
              ...domainEventHeaders(ev),
              ...eventTraceHeaders(ev, { 'messaging.destination.name': item.topic, 'messaging.kafka.offset': Number(item.offset) }),
            },
          });
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
    toleranceSeconds: cfg.WEBHOOK_TOLERANCE_SECONDS,
    maxBodyBytes: cfg.WEBHOOK_MAX_BODY_BYTES,
    activationGraceMs: cfg.WORKFLOW_ACTIVATION_GRACE_MS,
    telnyxPublicKey: cfg.TELNYX_PUBLIC_KEY ? telnyxPublicKey(cfg.TELNYX_PUBLIC_KEY) : null,
    telnyxDeploymentNumber: cfg.TELNYX_FROM ?? null,
    mailgunSigningKey: cfg.MAILGUN_WEBHOOK_SIGNING_KEY ?? null,
  });
  log.info({ port: inbound.port, host: cfg.INGEST_TRIGGER_HOST, clock: cfg.CLOCK_ENABLED }, `trigger endpoints on port ${inbound.port}`);

  const health = new Health()
    .add('consumer ingest-cdc', cdc.check)
    .add('consumer ingest-workflows', workflows.check)
    .add('postgres', pg.check)
    .add('kafka', broker.check);
  if (watchdog) health.add('change capture', watchdog.check);
  await runService({
    name: 'ingest',
    log,
    httpPort: cfg.INGEST_HTTP_PORT,
    health,
    stop: async () => {
      watchdog?.stop();
      pg.stop();
      broker.stop();
      await inbound.close();
      await clock?.stop();
      await cdc.stop();
      await workflows.stop();
      await emitter.stop();
      await pool.end();
    },
    extraRoutes: (path) => {
      if (path === '/triggers') return { port: inbound.port, clock: cfg.CLOCK_ENABLED };
      if (path === '/status/cdc') return watchdog?.status() ?? { state: 'unknown', reason: 'the change-capture watchdog is off (CDC_WATCH_ENABLED=false)' };
      return undefined;
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'ingest failed to start');
  process.exit(1);
});
