import { CE_TYPE_PREFIX, dataSchemaUri } from './cloudevents';
import { TOPIC_CATALOG } from './topic-catalog';
import { TOPICS } from './topics';

/**
 * docs/topics.md, the consumer guide, rendered from the topic catalog (the tables) and the prose
 * below: `npm run contracts:generate` writes it, a test fails when the committed file differs.
 */

const retention = (configs: Readonly<Record<string, string>>): string => {
  if (configs['cleanup.policy']?.includes('compact')) return 'compacted (the latest value per key)';
  const ms = configs['retention.ms'];
  if (ms === undefined) return 'the broker default (7 days)';
  if (ms === '-1') return 'unlimited';
  const days = Number(ms) / 86_400_000;
  return Number.isInteger(days) ? `${days} days` : `${Number(ms) / 3_600_000} hours`;
};

export const topicsGuide = (): string => {
  const rows = TOPIC_CATALOG.map(
    (t) =>
      `| \`${t.topic}\` | ${t.audience} | ${t.key.format} | ${t.key.orders} | ${t.partitions} | ${retention(t.configs)} | ${t.cloudEvents ? 'yes' : '—'} | ${t.dedupeBy} |`,
  ).join('\n');
  const summaries = TOPIC_CATALOG.map((t) => `- \`${t.topic}\` (${t.audience}): ${t.summary}`).join('\n');
  return `<!-- Generated from libs/contracts (topic-catalog.ts, topics-guide.ts) by \`npm run contracts:generate\`: edit those, not this file. -->
# Reading the topics: a guide for data teams

Fixlify Automation is an event-sourced engine on Kafka: what happens to a business's records, and
everything its workflows do about it, is on a topic. This guide says which topics are yours to read,
how they are keyed and ordered, how long messages stay, how to read them exactly once, and what may
change. The machine-readable contract is [asyncapi.yaml](asyncapi.yaml) (AsyncAPI 3, with Kafka
bindings); the JSON Schemas of the bodies are in \`libs/contracts/json-schema/\` (draft 2020-12).

## The topics

${summaries}

| topic | audience | key | orders | partitions | retention | CloudEvents headers | dedupe by |
|---|---|---|---|---|---|---|---|
${rows}

**Public** topics are a contract: within a \`vN\` topic their schemas only grow (see "What may change").
**Internal** topics are the engine's own plumbing (commands name an immutable workflow version the executor resolves; the
replay lane and the dead letters are operational) and change without notice. Change capture
(\`fixlify.public.<table>\`, written by Debezium) is internal too: read the domain events instead,
which say what a change means (\`job_completed\`, not "status went from 4 to 6").

## Ordering

A topic's key decides its partition, and Kafka keeps order only within a partition:
- \`${TOPICS.events}\` is keyed \`organizationId:entityId\`: one record's events arrive in the order
  they happened; two records' events have no order between them.
- \`${TOPICS.stepResults}\` is keyed by execution id: one execution's results arrive in order, and
  each carries \`seq\` (0, 1, 2, …) so a consumer can check it saw them all. Different executions —
  even of one workflow — interleave freely.
- \`${TOPICS.workflows}\` is keyed by workflow id: the latest value is the version that runs.

## Delivery: read committed, dedupe by id

The services write these topics inside Kafka transactions (a consumed input and the outputs it
produced commit together). A consumer must read with **\`isolation.level=read_committed\`**, or it
sees messages of transactions that were aborted and retried. Even then a message can arrive twice
(a consumer that crashed before committing its offsets reads again), and a producer that crashed
between its send and its commit writes the same message again with **the same id**: every id here
is deterministic. Dedupe by \`eventId\` (events) and \`resultId\` (step results, \`executionId:seq\`);
the \`ce_id\` header holds the same value, so dedupe works without parsing bodies.

## Headers (CloudEvents, binary mode)

Domain events and step results carry CloudEvents 1.0 attributes as Kafka
headers; the body is the message itself, unchanged. A CloudEvents SDK (e.g. the JavaScript
\`cloudevents\` package's \`Kafka.toEvent\`) reads them as events.

| header | domain events | step results |
|---|---|---|
| \`ce_specversion\` | \`1.0\` | \`1.0\` |
| \`ce_id\` | the event id | the result id |
| \`ce_source\` | \`/organizations/<id>/<cdc\\|clock\\|manual\\|webhook>\` | \`/organizations/<id>/workflows/<id>\` |
| \`ce_type\` | \`${CE_TYPE_PREFIX.event}<type>\` (e.g. \`${CE_TYPE_PREFIX.event}job_completed\`) | \`${CE_TYPE_PREFIX.stepResult}<kind>\` (e.g. \`${CE_TYPE_PREFIX.stepResult}step_succeeded\`) |
| \`ce_subject\` | \`<entityType>/<entityId>\` (absent for an event about no record) | \`executions/<executionId>\` |
| \`ce_time\` | when it happened (\`occurredAt\`) | when the result was produced (\`at\`) |
| \`ce_dataschema\` | \`${dataSchemaUri(TOPICS.events)}\` | \`${dataSchemaUri(TOPICS.stepResults)}\` |
| \`content-type\` | \`application/json\` | \`application/json\` |
| \`ce_organizationid\` | the organization | the organization |

\`ce_dataschema\` is the \`$id\` of the body's JSON Schema file. Filter or route by \`ce_type\` and
\`ce_organizationid\` without parsing a body.

## Tapping the step results with kcat

\`\`\`bash
# every step result from the beginning, with headers, then exit (-e); read_committed is a must
kcat -C -b 127.0.0.1:29092 -t ${TOPICS.stepResults} -o beginning -e \\
  -X isolation.level=read_committed \\
  -f '%h\\t%s\\n'
# from a point in time (ms since the epoch) on every partition
kcat -C -b 127.0.0.1:29092 -t ${TOPICS.stepResults} -o s@$(date -d '1 hour ago' +%s000) -e -X isolation.level=read_committed
# as JSON envelopes (key, headers, payload, partition, offset), one per line
kcat -C -b 127.0.0.1:29092 -t ${TOPICS.events} -o beginning -e -X isolation.level=read_committed -J
\`\`\`

## A kafkajs consumer

The topics are stored zstd-compressed (\`compression.type=zstd\`). kcat, librdkafka and the Java
client decompress by themselves; kafkajs ships only gzip, so register a zstd codec once per process
before the first fetch (here with \`@mongodb-js/zstd\`, as the engine does in \`libs/kafka/src/compression.ts\`):

\`\`\`ts
import { CompressionCodecs, CompressionTypes, Kafka } from 'kafkajs';
import { compress, decompress } from '@mongodb-js/zstd';

CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: (encoder: { buffer: Buffer }) => compress(encoder.buffer, 3),
  decompress: (buffer: Buffer) => decompress(buffer),
});

const kafka = new Kafka({ clientId: 'analytics', brokers: ['127.0.0.1:29092'] });
// kafkajs reads committed messages only by default (readUncommitted: false)
const consumer = kafka.consumer({ groupId: 'analytics-step-results' });
const seen = new Set<string>(); // in production: a unique key in your warehouse
await consumer.connect();
await consumer.subscribe({ topic: '${TOPICS.stepResults}', fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    const id = message.headers?.ce_id?.toString();
    if (!id || seen.has(id)) return; // a copy: same id
    seen.add(id);
    if (message.headers?.ce_type?.toString() !== '${CE_TYPE_PREFIX.stepResult}execution_completed') return;
    const result = JSON.parse(message.value!.toString());
    console.log(result.organizationId, result.workflowId, result.durationMs);
  },
});
\`\`\`

## Starting a new consumer group from a point in time

A new group starts at the earliest (\`fromBeginning: true\`) or latest offset. To start at a time,
set the group's offsets before it first joins — with Kafka's own tool:

\`\`\`bash
kafka-consumer-groups.sh --bootstrap-server 127.0.0.1:29092 --group analytics-step-results \\
  --topic ${TOPICS.stepResults} --reset-offsets --to-datetime 2026-11-25T00:00:00.000 --execute
\`\`\`

or with kafkajs: \`admin.fetchTopicOffsetsByTimestamp(topic, ms)\`, then
\`admin.setOffsets({ groupId, topic, partitions })\`, then start the consumer.

## Retention, and beyond it

Each topic keeps messages as long as the table above says (the defaults; a deployment may set its
own with \`kafka-configs.sh --alter --add-config retention.ms=…\`, and the engine reads the events
topic's actual retention wherever it matters: replays refuse ranges before it, and the dedupe records
that stop a replay from running an execution twice are kept longer than it). A consumer that reads
a public topic must keep up within its retention, or it loses what expired: the broker deletes whole
segments whose newest message is older than the retention, so a message may also live somewhat
longer. When what you need is older than a topic keeps, rebuild from the source of truth: the
business tables (jobs, invoices, clients, estimates) in PostgreSQL for what happened, and the
aggregated metrics and execution history the API serves (\`GET /api/metrics/series\`, \`GET /api/executions\`,
kept as the README's "Storage" section says) for what the workflows did.

## Tombstones on the workflows topic

\`${TOPICS.workflows}\` is compacted: Kafka keeps the latest message per workflow id. A workflow that
is switched off, archived or deleted gets a **tombstone** — a message with that key and a null value —
and compaction later removes its older versions. A consumer treats a null value as "this workflow
no longer runs", not as an error.

## What may change

Within a \`vN\` topic a schema only grows:
- **allowed**: a new optional field; a new message kind (a new \`kind\` of step result, a new event
  \`type\`); a new enum value; a looser limit. Consumers ignore fields and kinds they do not know.
- **breaking**: a field removed or renamed, a changed type, a new required field, an enum value or a
  message kind removed, a tighter limit. A breaking change is a new topic (\`…v2\`): the producers
  write both topics while readers move, then the old one is retired.

The gate is a test: \`libs/contracts/src/schema-compat.spec.ts\` compares what the contracts generate
with the committed schemas of each topic and fails on a breaking change, and
\`npm run contracts:generate\` refuses to write one.

The schemas are **closed** (\`additionalProperties: false\`). A schema registry in BACKWARD mode (the
common default) accepts adding an optional property to a closed schema, and refuses it on an open one
(old data might already hold that name with another type), so closed schemas are the ones that can
evolve additively in a registry. The price: a consumer that validates strictly must take the newest
schema before the producers use a new field — the schemas in this repository change in the same
release as the code that writes them.
`;
};
