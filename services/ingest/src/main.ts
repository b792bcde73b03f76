import { BUSINESS_TABLES, DebeziumChangeEvent, TOPICS, cdcTopic, type BusinessTable, type CapturedTable } from '@fixlify/contracts';
import {
  createKafka,
  createLogger,
  jsonDecoder,
  kafkaEnv,
  runExactlyOncePipeline,
  runService,
  type OutMessage,
} from '@fixlify/kafka';
import { mapChange } from './cdc/map-change';
import { ingestConfig } from './config';
import { publicationOf } from './workflows/publish-workflow';

const log = createLogger('ingest');

const main = async (): Promise<void> => {
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
    handle: async (items) => {
      const now = new Date();
      const out: OutMessage[] = [];
      for (const item of items) {
        const table = tableOfTopic.get(item.topic) as BusinessTable;
        for (const ev of mapChange(table, item.value, now)) {
          out.push({ topic: TOPICS.events, key: `${ev.organizationId}:${ev.entityId ?? ''}`, value: JSON.stringify(ev) });
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

  await runService({
    name: 'ingest',
    log,
    httpPort: cfg.INGEST_HTTP_PORT,
    isReady: () => cdc.isReady() && workflows.isReady(),
    stop: async () => {
      await cdc.stop();
      await workflows.stop();
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'ingest failed to start');
  process.exit(1);
});
