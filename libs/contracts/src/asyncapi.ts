import { z } from 'zod';
import { CE_SPEC_VERSION, CE_TYPE_PREFIX, dataSchemaUri } from './cloudevents';
import { DebeziumChangeEvent } from './debezium';
import { TOPIC_SCHEMAS } from './messages';
import { TOPIC_CATALOG, type TopicEntry } from './topic-catalog';
import { CAPTURED_TABLES, CDC_TOPIC_PREFIX_DEFAULT, TOPICS } from './topics';

/**
 * The AsyncAPI 3 document of the topics (docs/asyncapi.yaml), generated from the topic catalog and
 * the zod contracts — never written by hand (`npm run contracts:generate`; a test fails when the
 * committed document differs, and validates it with the AsyncAPI parser). Kafka bindings carry the
 * topic's partitions, key schema and configuration; tags say which topics are public.
 */

/** The contract's version: the `vN` of the topics (a breaking change is a new topic version). */
export const CONTRACT_VERSION = '1.0.0';
const KAFKA_BINDING = '0.5.0';

/**
 * A contract as a draft-07 schema for the document. Recursive parts (conditions nest) come out of
 * zod as `definitions` referenced from the schema's root; inside the document they move to
 * `components.schemas` under the topic's name, and the references with them.
 */
const draft7 = (s: z.ZodType, name: string, shared: Record<string, unknown>): Record<string, unknown> => {
  const { $schema: _ignored, definitions, ...rest } = z.toJSONSchema(s, { io: 'output', unrepresentable: 'any', target: 'draft-7' }) as Record<string, unknown>;
  const moved = (ref: string): string => ref.replace(/^#\/definitions\//, `#/components/schemas/${name}.`);
  const rewrite = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(rewrite)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? moved(x) : rewrite(x)]))
        : v;
  for (const [k, d] of Object.entries((definitions ?? {}) as Record<string, unknown>)) shared[`${name}.${k}`] = rewrite(d);
  return rewrite(rest) as Record<string, unknown>;
};

const topicConfiguration = (configs: Readonly<Record<string, string>>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(configs)) {
    if (k === 'cleanup.policy') out[k] = v.split(',');
    else if (k === 'retention.ms' || k === 'max.message.bytes' || k === 'retention.bytes' || k === 'delete.retention.ms') out[k] = Number(v);
  }
  if (!out['cleanup.policy']) out['cleanup.policy'] = ['delete'];
  if (out['retention.ms'] === undefined && !(out['cleanup.policy'] as string[]).includes('compact')) out['retention.ms'] = 604_800_000;
  return out;
};

/** The CloudEvents binary-mode headers of a public topic's messages (cloudevents.ts). */
const ceHeaders = (topic: string, typePrefix: string, subject: string): Record<string, unknown> => ({
  type: 'object',
  description: 'CloudEvents 1.0 attributes in Kafka binary mode (the body is the message itself), plus the W3C trace context.',
  properties: {
    ce_specversion: { type: 'string', const: CE_SPEC_VERSION },
    ce_id: { type: 'string', description: 'the message id (deterministic): dedupe by it' },
    ce_source: { type: 'string', description: 'the organization and where the message came from' },
    ce_type: { type: 'string', pattern: `^${typePrefix.replace(/\./g, '\\.')}[a-z_]+$` },
    ce_subject: { type: 'string', description: subject },
    ce_time: { type: 'string', format: 'date-time' },
    ce_dataschema: { type: 'string', const: dataSchemaUri(topic), description: 'the $id of the JSON Schema of the body' },
    'content-type': { type: 'string', const: 'application/json' },
    ce_organizationid: { type: 'string', format: 'uuid', description: 'the organization (route or filter per tenant without parsing the body)' },
    traceparent: { type: 'string', description: 'W3C trace context of the hop that produced it' },
  },
  required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_dataschema', 'content-type', 'ce_organizationid'],
});

const HEADERS: Partial<Record<string, Record<string, unknown>>> = {
  [TOPICS.events]: ceHeaders(TOPICS.events, CE_TYPE_PREFIX.event, 'the record: `<entityType>/<entityId>` (absent for an event about no record)'),
  [TOPICS.stepResults]: ceHeaders(TOPICS.stepResults, CE_TYPE_PREFIX.stepResult, 'the execution: `executions/<executionId>`'),
};

const keySchema = (t: TopicEntry): Record<string, unknown> =>
  t.key.pattern
    ? { type: 'string', pattern: t.key.pattern, description: `${t.key.format}; orders ${t.key.orders}` }
    : { type: ['string', 'null'], description: `${t.key.format}; orders ${t.key.orders}` };

export const asyncApiDocument = (): Record<string, unknown> => {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const t of TOPIC_CATALOG) {
    const headers = t.cloudEvents ? HEADERS[t.topic] : undefined;
    messages[t.topic] = {
      name: t.topic,
      title: `A message of ${t.topic}`,
      contentType: 'application/json',
      ...(headers ? { headers } : {}),
      payload: { schemaFormat: 'application/schema+json;version=draft-07', schema: draft7(TOPIC_SCHEMAS[t.topic], t.topic, schemas) },
      bindings: { kafka: { key: keySchema(t), bindingVersion: KAFKA_BINDING } },
      'x-dedupe-by': t.dedupeBy,
      'x-json-schema': `libs/contracts/json-schema/${t.topic}.schema.json`,
    };
    channels[t.topic] = {
      address: t.topic,
      title: t.topic,
      description: `${t.summary} Key: ${t.key.format} (orders ${t.key.orders}).`,
      tags: [{ name: t.audience }],
      messages: { [t.topic]: { $ref: `#/components/messages/${t.topic}` } },
      bindings: { kafka: { topic: t.topic, partitions: t.partitions, topicConfiguration: topicConfiguration(t.configs), bindingVersion: KAFKA_BINDING } },
    };
    if (t.audience === 'public')
      operations[`read.${t.topic}`] = {
        action: 'receive',
        channel: { $ref: `#/channels/${t.topic}` },
        title: `Read ${t.topic}`,
        summary: 'Consume with isolation.level=read_committed (the producers write in transactions) and dedupe by the message id.',
        messages: [{ $ref: `#/channels/${t.topic}/messages/${t.topic}` }],
      };
  }
  // change capture: one topic per captured table, written by Debezium; ingest's input, not a contract
  channels.cdc = {
    address: `${CDC_TOPIC_PREFIX_DEFAULT}.public.{table}`,
    title: 'Change capture (Debezium)',
    description: `Every committed change of a captured table, as Debezium's JSON converter writes it (schemas disabled). The prefix is FIXLIFY_CDC_PREFIX (default ${CDC_TOPIC_PREFIX_DEFAULT}).`,
    tags: [{ name: 'internal' }],
    parameters: { table: { enum: [...CAPTURED_TABLES], description: 'the captured table' } },
    messages: { change: { $ref: '#/components/messages/cdc.change' } },
    bindings: { kafka: { partitions: 3, topicConfiguration: { 'cleanup.policy': ['delete'], 'retention.ms': 604_800_000 }, bindingVersion: KAFKA_BINDING } },
  };
  messages['cdc.change'] = {
    name: 'cdc.change',
    title: 'A Debezium change event',
    contentType: 'application/json',
    payload: { schemaFormat: 'application/schema+json;version=draft-07', schema: draft7(DebeziumChangeEvent, 'cdc.change', schemas) },
    bindings: { kafka: { key: { type: 'object', description: "the row's primary key" }, bindingVersion: KAFKA_BINDING } },
  };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Fixlify Automation topics',
      version: CONTRACT_VERSION,
      description:
        'The Kafka topics of Fixlify Automation. Public topics (tag `public`) are a contract for consumers outside this codebase: their schemas only grow (new optional fields, new message kinds) within a `vN` topic; a breaking change is a new topic version. Internal topics (tag `internal`) are the engine’s own plumbing and may change at any release. Generated from libs/contracts (`npm run contracts:generate`); the guide is docs/topics.md.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:29092', protocol: 'kafka', description: 'the local stack’s broker (`npm run stack -- up`; FIXLIFY_KAFKA_PORT)' },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      tags: {
        public: { name: 'public', description: 'a contract for consumers outside this codebase' },
        internal: { name: 'internal', description: 'the engine’s own plumbing: read it at your own risk' },
      },
    },
  };
};
