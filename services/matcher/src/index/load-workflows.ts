import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { LIMITS, PublishedWorkflow, TOPICS } from '@fixlify/contracts';
import { NO_SELF_RESTART, superviseConsumer, type CheckResult, type Logger } from '@fixlify/kafka';
import type { WorkflowIndex } from './workflow-index';

/**
 * Follows the compacted workflows topic from the beginning (a private consumer group per
 * instance, never committed), so a new instance builds its index without touching PostgreSQL.
 * Resolves `caughtUp` once it has read up to the end offsets seen at start. Supervised: a crashed
 * follower is replaced by one that reads the topic again from the beginning (upserts and removals
 * in log order leave the same index). `topic` is TOPICS.workflows unless a benchmark or test on a
 * shared cluster names one of its own (MATCHER_WORKFLOWS_TOPIC).
 */
export const followWorkflows = async (
  kafka: Kafka,
  index: WorkflowIndex,
  log: Logger,
  topic: string = TOPICS.workflows,
): Promise<{ caughtUp: Promise<void>; check: () => CheckResult; stop: () => Promise<void> }> => {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map<number, bigint>();
  for (const p of ends) if (BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high));
  let markCaughtUp: () => void = () => undefined;
  const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
  if (pending.size === 0) markCaughtUp();

  const incarnate = async (watch: (c: Consumer) => void) => {
    const consumer = kafka.consumer({
      groupId: `fixlify-matcher-index-${randomUUID()}`,
      maxWaitTimeInMs: 500,
      readUncommitted: false,
      retry: NO_SELF_RESTART,
      maxBytesPerPartition: LIMITS.kafkaMessageBytes,
      maxBytes: 2 * LIMITS.kafkaMessageBytes,
    });
    watch(consumer);
    // batch events also cover batches of transaction markers only, which eachMessage never sees
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const end = pending.get(payload.partition);
      if (end !== undefined && BigInt(payload.lastOffset) + 1n >= end) {
        pending.delete(payload.partition);
        if (pending.size === 0) {
          log.info({ workflows: index.size }, 'workflow index caught up');
          markCaughtUp();
        }
      }
    });
    const close = () => consumer.disconnect().catch(() => undefined);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
    } catch (e) {
      await close();
      throw e;
    }
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const id = message.key?.toString('utf8');
        if (id) {
          if (message.value === null) index.remove(id);
          else {
            let raw: unknown;
            try {
              raw = JSON.parse(message.value.toString('utf8'));
            } catch {
              raw = undefined;
            }
            let r: ReturnType<typeof PublishedWorkflow.safeParse> | undefined;
            try {
              r = PublishedWorkflow.safeParse(raw);
            } catch {
              // hostile nesting overflows zod's recursion; a throw here would stall the follower
              r = undefined;
            }
            if (r?.success) index.upsert(r.data);
            else {
              // an unreadable version must not keep matching under its old definition
              index.remove(id);
              log.warn({ workflowId: id, offset: message.offset }, 'unreadable workflow on the workflows topic; withdrawn from matching');
            }
          }
        }
      },
    });
    return { consumer, close };
  };
  const supervised = await superviseConsumer({ name: 'matcher-workflow-index', log, start: incarnate });
  return { caughtUp, check: supervised.check, stop: supervised.stop };
};
