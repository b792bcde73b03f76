import { Counter } from 'prom-client';
import { DomainEvent } from '@fixlify/contracts';
import {
  createKafka,
  createLogger,
  Health,
  jsonDecoder,
  probeKafka,
  kafkaEnv,
  registry,
  runExactlyOncePipeline,
  runService,
  traceFields,
  traceHeaders,
  type OutMessage,
  initTracing,
  profileUntilSigterm,
} from '@fixlify/kafka';
import { matcherConfig } from './config';
import { followWorkflows } from './index/load-workflows';
import { WorkflowIndex } from './index/workflow-index';
import { matchEvent } from './matching/match-event';

const log = createLogger('matcher');
const starts = new Counter({
  name: 'fixlify_matcher_starts_total',
  help: 'Start commands emitted, per trigger type',
  labelNames: ['trigger'] as const,
  registers: [registry],
});
const skips = new Counter({
  name: 'fixlify_matcher_skipped_total',
  help: 'Events that started nothing for a reason worth seeing',
  labelNames: ['reason'] as const,
  registers: [registry],
});

/** names the consumer group whose transaction wrote a command (several deployments may share a cluster) */
const ORIGIN_HEADER = 'fixlify-origin';

const main = async (): Promise<void> => {
  profileUntilSigterm();
  initTracing('matcher');
  const env = kafkaEnv();
  const cfg = matcherConfig();
  const groupId = `${env.FIXLIFY_GROUP_PREFIX}-matcher`;
  const kafka = createKafka('fixlify-matcher', log);
  const broker = probeKafka(kafka, log);
  const index = new WorkflowIndex();
  const follower = await followWorkflows(kafka, index, log, cfg.MATCHER_WORKFLOWS_TOPIC);
  await follower.caughtUp;

  const pipeline = await runExactlyOncePipeline<DomainEvent>({
    name: 'matcher',
    kafka,
    log,
    groupId,
    transactionalId: `${env.FIXLIFY_GROUP_PREFIX}-matcher-${env.FIXLIFY_INSTANCE_ID}`,
    topics: [cfg.MATCHER_EVENTS_TOPIC],
    decode: jsonDecoder(DomainEvent),
    groupCommitPartitions: cfg.MATCHER_GROUP_COMMIT_PARTITIONS,
    transactionRetryMs: cfg.MATCHER_TXN_RETRY_MS,
    traceIdOf: (ev) => ev.eventId,
    handle: async (items) => {
      const now = new Date();
      const out: OutMessage[] = [];
      for (const item of items) {
        for (const m of matchEvent(index, item.value, cfg.MATCHER_MAX_CAUSATION_DEPTH, now)) {
          if (m.kind === 'skipped') {
            skips.inc({ reason: m.reason });
            log.info(
              { organizationId: item.value.organizationId, eventId: item.value.eventId, reason: m.reason, detail: m.detail, ...traceFields(item.trace) },
              'event skipped',
            );
            continue;
          }
          starts.inc({ trigger: item.value.type });
          out.push({
            topic: cfg.MATCHER_COMMANDS_TOPIC,
            key: m.command.executionId,
            value: JSON.stringify(m.command),
            headers: { [ORIGIN_HEADER]: groupId, ...(item.trace ? traceHeaders(item.trace) : {}) },
          });
        }
      }
      return out;
    },
  });

  await runService({
    name: 'matcher',
    log,
    httpPort: cfg.MATCHER_HTTP_PORT,
    health: new Health().add('consumer matcher', pipeline.check).add('workflow index', follower.check).add('kafka', broker.check),
    stop: async () => {
      broker.stop();
      await pipeline.stop();
      await follower.stop();
    },
    extraRoutes: (path) => {
      if (path === '/index') return { workflows: index.size };
      if (path.startsWith('/index/')) {
        const w = index.get(path.slice('/index/'.length));
        return { present: !!w, version: w?.version ?? null, versionId: w?.versionId ?? null };
      }
      return undefined;
    },
  });
};

main().catch((e: unknown) => {
  log.fatal({ err: e }, 'matcher failed to start');
  process.exit(1);
});
