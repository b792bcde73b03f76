import { LIMITS } from './limits';
import { RETENTION, days } from './retention';
import { TOPICS, type TopicName } from './topics';

/**
 * The automation topics as a catalog: who may read each one, what its key orders, how it is
 * configured. The one owner of these facts: the local stack and docker-compose create the topics
 * from it, the AsyncAPI document (docs/asyncapi.yaml) and the consumer guide (docs/topics.md) are
 * generated from it.
 */

/** `public`: a contract for consumers outside this codebase (analytics); `internal`: the engine's own plumbing. */
export type TopicAudience = 'public' | 'internal';

export interface TopicEntry {
  topic: TopicName;
  audience: TopicAudience;
  summary: string;
  /** what the key is and what it orders */
  key: { format: string; pattern?: string; orders: string };
  /** how a consumer tells a message it saw already */
  dedupeBy: string;
  partitions: number;
  configs: Readonly<Record<string, string>>;
  /** messages carry CloudEvents binary-mode headers (cloudevents.ts) */
  cloudEvents: boolean;
}

/**
 * Every topic takes records up to LIMITS.kafkaMessageBytes and is stored zstd-compressed (the JSON
 * messages repeat ids and field names: ~5× smaller on disk; kafkajs readers register the codec,
 * libs/kafka compression.ts).
 */
export const TOPIC_STORAGE = { 'compression.type': 'zstd', 'max.message.bytes': String(LIMITS.kafkaMessageBytes) } as const;
/** `retention.ms` of a topic kept this many days (retention.ts owns the numbers). */
const keptFor = (n: number) => ({ 'retention.ms': String(days(n)) }) as const;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export const TOPIC_CATALOG: readonly TopicEntry[] = [
  {
    topic: TOPICS.workflows,
    audience: 'public',
    summary: 'Every published workflow version as the matchers index it; a tombstone (null value) when a workflow is switched off, archived or deleted.',
    key: { format: 'workflow id', pattern: `^${UUID}$`, orders: "one workflow's versions" },
    dedupeBy: 'versionId (compacted: the latest value per workflow is kept)',
    partitions: 6,
    configs: { 'cleanup.policy': 'compact', ...TOPIC_STORAGE },
    cloudEvents: false,
  },
  {
    topic: TOPICS.events,
    audience: 'public',
    summary: 'Domain events: what happened to a record (job completed, invoice overdue, …), from change capture, the clock, inbound webhooks and manual runs.',
    key: {
      format: '`organizationId:entityId` (an event about no record: `organizationId:workflowId`)',
      pattern: `^${UUID}:.+$`,
      orders: "one record's events, in the order they happened",
    },
    dedupeBy: 'eventId (deterministic: a redelivered change or a re-fired clock occurrence has the same id)',
    partitions: 6,
    configs: { ...keptFor(RETENTION.eventsDays), ...TOPIC_STORAGE },
    cloudEvents: true,
  },
  {
    topic: TOPICS.commands,
    audience: 'internal',
    summary: 'Start, resume and cancel commands of executions (the executor consumes them).',
    key: { format: 'execution id', pattern: `^${UUID}$`, orders: "one execution's commands" },
    dedupeBy: 'executionId and commandId',
    partitions: 6,
    configs: { ...keptFor(RETENTION.commandsDays), ...TOPIC_STORAGE },
    cloudEvents: false,
  },
  {
    topic: TOPICS.replayCommands,
    audience: 'internal',
    summary: 'The replay lane: start commands of backfills, drained by the executor with spare capacity.',
    key: { format: 'execution id', pattern: `^${UUID}$`, orders: "one execution's commands" },
    dedupeBy: 'executionId',
    partitions: 6,
    configs: { ...keptFor(RETENTION.commandsDays), ...TOPIC_STORAGE },
    cloudEvents: false,
  },
  {
    topic: TOPICS.stepResults,
    audience: 'public',
    summary: 'Every state change of every execution: started, each step succeeded or failed, waiting, completed, failed, cancelled.',
    key: { format: 'execution id', pattern: `^${UUID}$`, orders: "one execution's results (seq counts them)" },
    dedupeBy: 'resultId (`executionId:seq`, deterministic: a result produced again after a crash has the same id)',
    partitions: 6,
    configs: { ...keptFor(RETENTION.stepResultsDays), ...TOPIC_STORAGE },
    cloudEvents: true,
  },
  {
    topic: TOPICS.dlq,
    audience: 'internal',
    summary: 'Dead letters: input no service could use (unreadable, oversized, refused), with the reason; re-driven from the web app.',
    key: { format: 'the original key', orders: 'nothing' },
    dedupeBy: 'the source topic, partition and offset',
    partitions: 1,
    configs: { ...keptFor(RETENTION.deadLettersDays), ...TOPIC_STORAGE },
    cloudEvents: false,
  },
];

export const topicEntry = (topic: string): TopicEntry | undefined => TOPIC_CATALOG.find((t) => t.topic === topic);
