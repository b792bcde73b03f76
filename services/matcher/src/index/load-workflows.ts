import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { LIMITS, TOPICS } from '@fixlify/contracts';
import { NO_SELF_RESTART, superviseConsumer, type CheckResult, type Logger } from '@fixlify/kafka';
import { readWorkflowRecord } from './indexed-workflow';
import type { WorkflowIndex } from './workflow-index';

/**
 * The longest the index build holds the event loop (ms) before it lets timers and I/O run: /health,
 * the broker probe (which reported "kafka unreachable" while 100,000 records were indexed in one go)
 * and the consumer's own heartbeats stay truthful while a large topic is read.
 */
export const INDEX_SLICE_MS = 20;

/** One record of the workflows topic applied to the index: an upsert, a removal (tombstone), or an unreadable record withdrawn. */
export const applyWorkflowRecord = (index: WorkflowIndex, log: Logger, partition: number, message: Pick<KafkaMessage, 'key' | 'value' | 'offset'>): void => {
  const id = message.key?.toString('utf8');
  if (!id) return;
  if (message.value === null) {
    index.remove(id);
    return;
  }
  const r = readWorkflowRecord(id, message.value);
  if (r.ok) index.upsert(r.workflow);
  else {
    // an unreadable version must not keep matching under its old definition
    index.remove(id);
    log.warn({ workflowId: id, partition, offset: message.offset, reason: r.reason }, 'unreadable workflow on the workflows topic; withdrawn from matching');
  }
};

export interface SliceOptions {
  /** see INDEX_SLICE_MS */
  sliceMs?: number;
  now?: () => number;
  /** false once the batch must not go on (the consumer stops) */
  go?: () => boolean;
  /** after each slice and at the end, before yielding: the last record applied (resolve its offset, heartbeat) */
  sliceDone?: (last: KafkaMessage) => Promise<void>;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * A fetched batch of the workflows topic applied in order, in slices of at most `sliceMs` of the
 * event loop, each followed by a turn of it (setImmediate: after pending I/O and due timers).
 * Returns how many records were applied.
 */
export const applyWorkflowBatch = async (
  index: WorkflowIndex,
  log: Logger,
  partition: number,
  messages: readonly KafkaMessage[],
  o: SliceOptions = {},
): Promise<number> => {
  const sliceMs = o.sliceMs ?? INDEX_SLICE_MS;
  const now = o.now ?? (() => performance.now());
  let sliceStart = now();
  let applied = 0;
  for (const m of messages) {
    if (o.go && !o.go()) break;
    applyWorkflowRecord(index, log, partition, m);
    applied++;
    if (now() - sliceStart >= sliceMs) {
      await o.sliceDone?.(m);
      await yieldToEventLoop();
      sliceStart = now();
    }
  }
  const last = messages[applied - 1];
  if (last) await o.sliceDone?.(last);
  return applied;
};

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
    // batch events also cover batches of transaction markers only, which eachBatch never sees
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
      // offsets are resolved as the slices go (kafkajs would resolve a batch left early when stopping)
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        await applyWorkflowBatch(index, log, payload.batch.partition, payload.batch.messages, {
          go: () => payload.isRunning() && !payload.isStale(),
          sliceDone: async (last) => {
            payload.resolveOffset(last.offset);
            await payload.heartbeat();
          },
        });
      },
    });
    return { consumer, close };
  };
  const supervised = await superviseConsumer({ name: 'matcher-workflow-index', log, start: incarnate });
  return { caughtUp, check: supervised.check, stop: supervised.stop };
};
