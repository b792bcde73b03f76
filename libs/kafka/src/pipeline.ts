import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { z } from 'zod';
import { LIMITS, formatIssues } from '@fixlify/contracts';
import { deadLetter } from './dead-letter';
import { withTimeout, type CheckResult } from './health';
import type { OutMessage } from './out-message';
import { NO_SELF_RESTART, superviseConsumer, type Incarnation } from './supervise';
import { kafkaEnv } from './env';
import type { Logger } from './logger';
import { observeBatch } from './consumer-observability';
import { identityOf, messagesFailed } from './observability';
import { traceFields, traceHeaders, TRACEPARENT_HEADER, traceIdFromUuid, type TraceContext } from './trace';
import { tracingEnabled } from './tracing';

export interface PipelineItem<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: T;
  headers: Record<string, string>;
  /** broker timestamp (ms) */
  timestamp: number;
  /**
   * This service's span for the item: a child of the incoming `traceparent` header, or a new root
   * (trace id from `traceIdOf`). Outputs without a traceparent of their own inherit it (see below).
   * Always set by the pipeline; optional so hand-built items in tests need not invent one.
   */
  trace?: TraceContext;
}

/**
 * What a decoder makes of a message. `ok: false` sends it to the dead-letter topic with the reason;
 * `failure` labels it in fixlify_messages_failed_total (default `invalid`).
 */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string; failure?: string } | { ok: 'skip' };

/** Thrown by a handler for a failure that is not the message's fault (database down…): the batch is retried. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export interface ExactlyOncePipelineOptions<T> {
  /** names the consumer in logs, metrics and dead letters */
  name: string;
  kafka: Kafka;
  groupId: string;
  transactionalId: string;
  topics: string[];
  fromBeginning?: boolean;
  decode: (message: KafkaMessage, topic: string) => Decoded<T>;
  /** returns what to produce for these items; runs inside the transaction that commits their offsets */
  handle: (items: PipelineItem<T>[]) => Promise<OutMessage[]>;
  log: Logger;
  /** fetch tuning. A long poll costs no latency: the broker answers as soon as data (or a commit marker) arrives; measured 7 ms vs 8 ms per hop for 500 vs 20 ms, with far fewer idle fetches */
  maxWaitTimeInMs?: number;
  /**
   * Fetch size per partition (default LIMITS.kafkaMessageBytes: any record the cluster accepts fits
   * in one fetch; a smaller value bounds batches, and a larger record then only comes when its
   * partition is the first of a fetch with data) and per fetch (default twice that).
   */
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /**
   * Trace id for an item that arrives without a traceparent header (CDC rows, timer re-emits):
   * deriving it from the event id keeps every hop of one event in one trace.
   */
  traceIdOf?: (value: T) => string | null | undefined;
  /**
   * Record a span per consumed item (default true). False where the handler starts the traces itself
   * (ingest: each event a CDC row yields is the root of its own trace); items then carry a context only.
   */
  traceItems?: boolean;
  /**
   * Group commit (opt-in): batches of up to this many partitions are handled concurrently and their
   * outputs and offsets commit in one shared transaction, instead of one transaction per partition
   * batch; a transaction's fixed cost (five broker round trips and the commit markers) is then paid
   * once per fetch. Default 1: one transaction per partition batch.
   */
  groupCommitPartitions?: number;
  /**
   * First back-off of the transactional producer's retries (ms; default: the client's). The broker
   * answers CONCURRENT_TRANSACTIONS to a transaction begun while the previous one's markers are being
   * written; a 100 ms back-off then costs 100 ms per transaction.
   */
  transactionRetryMs?: number;
}

interface CommitOffset {
  topic: string;
  partition: number;
  /** the next offset to consume */
  offset: string;
}

export interface RunningPipeline {
  /** true while the consumer is joined to its group and has not crashed (a crashed one is being restarted) */
  isReady: () => boolean;
  /** the same, with the reason when not running: for /health/ready */
  check: () => CheckResult;
  stop: () => Promise<void>;
}

/**
 * How long a batch whose handler reports a transient failure (PostgreSQL down…) is retried in place,
 * with the consumer heartbeating, before the consumer gives it up and is restarted from its committed
 * offsets. In place keeps the group stable through a short outage; a database restart takes a few seconds.
 */
const TRANSIENT_RETRY_MS = 60_000;

/**
 * How long a transaction's produce, offsets and commit may take before the incarnation is given up
 * as stuck (ms past the transaction timeout, after which the broker has aborted it anyway). Seen on
 * a three-broker cluster after a leader was killed: a kafkajs produce retry that never settles, the
 * consumer joined and "running", one partition never fetched again. Throwing out of eachBatch
 * crashes the incarnation; the supervisor starts a fresh one from the committed offsets.
 */
export const COMMIT_STUCK_GRACE_MS = 15_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Outputs a handler did not give a traceparent get the span of the item they came from: the
 * last item with the same key (commands and results are keyed by execution id), or the only item.
 */
const propagateTrace = <T>(items: PipelineItem<T>[], out: OutMessage[]): void => {
  const byKey = new Map<string | null, PipelineItem<T>>();
  for (const i of items) byKey.set(i.key, i);
  for (const m of out) {
    if (m.headers?.[TRACEPARENT_HEADER]) continue;
    const from = byKey.get(m.key) ?? (items.length === 1 ? items[0] : undefined);
    if (from?.trace) m.headers = { ...m.headers, ...traceHeaders(from.trace) };
  }
};

/** Bytes of output per produce request of a transaction (a record batch per partition, well under any topic's max.message.bytes; a larger message goes alone). */
export const MAX_SEND_BYTES = 512 * 1024;

const sizeOf = (m: OutMessage): number =>
  (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64 + Object.entries(m.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length, 0);

/** Splits output into consecutive chunks of at most `max` bytes (a larger message goes alone); order is kept. */
export const chunksOf = (out: readonly OutMessage[], max: number): OutMessage[][] => {
  const chunks: OutMessage[][] = [];
  let cur: OutMessage[] = [];
  let size = 0;
  for (const m of out) {
    const s = sizeOf(m);
    if (cur.length > 0 && size + s > max) {
      chunks.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += s;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
};

const headersOf = (m: KafkaMessage): Record<string, string> => {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) h[k] = Array.isArray(v) ? String(v[0]) : String(v);
  return h;
};

/**
 * Read-process-write in one Kafka transaction: the produced messages and the consumed offsets
 * commit together, so a crash at any point neither loses nor duplicates an output (principle 2).
 * Undecodable messages, and messages whose handling fails for a non-transient reason, go to the
 * dead-letter topic in the same transaction; the consumer never stops on them.
 */
export const runExactlyOncePipeline = async <T>(o: ExactlyOncePipelineOptions<T>): Promise<RunningPipeline> => {
  const env = kafkaEnv();
  const holdOpenMs = Number(process.env.FIXLIFY_TEST_HOLD_TXN_MS ?? 0) || 0;
  const supervised = await superviseConsumer({ name: o.name, log: o.log, start: (watch) => incarnate(o, env, holdOpenMs, watch) });
  return { isReady: supervised.isRunning, check: supervised.check, stop: supervised.stop };
};

/**
 * One incarnation of the pipeline: a fresh transactional producer and consumer (a restart after a
 * crash must not reuse a producer that was fenced or left mid-transaction).
 */
const incarnate = async <T>(
  o: ExactlyOncePipelineOptions<T>,
  env: ReturnType<typeof kafkaEnv>,
  holdOpenMs: number,
  watch: (c: Consumer) => void,
): Promise<Incarnation> => {
  const producer = o.kafka.producer({
    transactionalId: o.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: env.KAFKA_TRANSACTION_TIMEOUT_MS,
    ...(o.transactionRetryMs ? { retry: { initialRetryTime: o.transactionRetryMs, retries: 15 } } : {}),
  });
  const consumer = o.kafka.consumer({
    groupId: o.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
    maxBytesPerPartition: o.maxBytesPerPartition ?? LIMITS.kafkaMessageBytes,
    maxBytes: o.maxBytes ?? 2 * LIMITS.kafkaMessageBytes,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    rebalanceTimeout: 20_000,
    retry: NO_SELF_RESTART,
  });
  watch(consumer);
  const close = async (): Promise<void> => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  };
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: o.topics, fromBeginning: o.fromBeginning ?? env.FIXLIFY_START_FROM === 'earliest' });
  } catch (e) {
    await close();
    throw e;
  }

  const handleIsolated = async (items: PipelineItem<T>[], raw: Map<string, KafkaMessage>, topic: string, partition: number): Promise<OutMessage[]> => {
    // isolate the poison message(s): each item alone; failures go to the dead-letter topic
    const out: OutMessage[] = [];
    for (const item of items) {
      try {
        out.push(...(await o.handle([item])));
      } catch (e) {
        if (e instanceof TransientError) throw e;
        const reason = e instanceof Error ? e.message : String(e);
        messagesFailed.inc({ consumer: o.name, topic, reason: 'handler_error' });
        o.log.warn(
          { topic, partition, offset: item.offset, reason, ...identityOf(item.value), ...traceFields(item.trace) },
          `${o.name}: message sent to dead-letter topic`,
        );
        const message = raw.get(item.offset);
        if (message) out.push(deadLetter({ topic, partition, message, consumer: o.name, reason: `handler failed: ${reason}` }));
      }
    }
    return out;
  };

  /** one transaction: the outputs, then the consumed offsets, then commit (abort on any failure) */
  const commitTransaction = async (out: OutMessage[], offsets: CommitOffset[]): Promise<void> => {
    const txn = await producer.transaction();
    try {
      // one produce request per chunk: what one partition receives in a request is one record batch, which
      // must stay under the topic's max.message.bytes (LIMITS.kafkaMessageBytes here, 1 MiB on a default broker) — and co-partitioned keys (commands
      // and their results share the execution id) send a whole batch's output to one partition
      for (const chunk of chunksOf(out, MAX_SEND_BYTES)) {
        const byTopic = new Map<string, { key: string | null; value: string | null; headers?: Record<string, string> }[]>();
        for (const m of chunk) {
          const list = byTopic.get(m.topic) ?? [];
          list.push({ key: m.key, value: m.value, headers: m.headers });
          byTopic.set(m.topic, list);
        }
        await txn.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      }
      // fault injection for crash tests: hold the transaction open after its output is in the log
      if (holdOpenMs > 0) await new Promise((r) => setTimeout(r, holdOpenMs));
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const c of offsets) byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), { partition: c.partition, offset: c.offset }]);
      await txn.sendOffsets({ consumerGroupId: o.groupId, topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
  };

  // a transaction that has not settled by then is stuck (see COMMIT_STUCK_GRACE_MS)
  const commitLimitMs = env.KAFKA_TRANSACTION_TIMEOUT_MS + COMMIT_STUCK_GRACE_MS + holdOpenMs;

  // group commit: partition batches that finish while a transaction is running share the next one
  let queued: { out: OutMessage[]; offsets: CommitOffset[]; done: (e?: Error) => void }[] = [];
  let committing = false;
  const drain = async (): Promise<void> => {
    committing = true;
    try {
      while (queued.length > 0) {
        // let the other batches of the same fetch, handled concurrently, join this transaction
        await new Promise((r) => setImmediate(r));
        const group = queued;
        queued = [];
        try {
          await withTimeout(
            commitTransaction(
              group.flatMap((g) => g.out),
              group.flatMap((g) => g.offsets),
            ),
            commitLimitMs,
            `${o.name}: transaction (produce, offsets, commit)`,
          );
          for (const g of group) g.done();
        } catch (e) {
          const err = e instanceof Error ? e : new Error('transaction failed', { cause: e });
          for (const g of group) g.done(err);
        }
      }
    } finally {
      committing = false;
    }
  };
  const groupCommit = (o.groupCommitPartitions ?? 1) > 1;
  const commit = (out: OutMessage[], offsets: CommitOffset[]): Promise<void> => {
    if (!groupCommit) return withTimeout(commitTransaction(out, offsets), commitLimitMs, `${o.name}: transaction (produce, offsets, commit)`);
    return new Promise<void>((resolve, reject) => {
      queued.push({ out, offsets, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (!committing) void drain();
    });
  };

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: Math.max(1, o.groupCommitPartitions ?? 1),
    eachBatch: async (payload) => {
      const { batch } = payload;
      if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
      // one span per item, from its decoding to the commit of what it caused (exported when a collector is configured)
      const obs = observeBatch({
        consumer: o.name,
        batch,
        spanName: `${o.name} process`,
        spans: tracingEnabled() && o.traceItems !== false ? 'record' : 'context',
      });
      obs.startTimer();
      const tStart = Date.now();
      const items: PipelineItem<T>[] = [];
      const out: OutMessage[] = [];
      const raw = new Map<string, KafkaMessage>();
      for (const m of batch.messages) {
        const d = o.decode(m, batch.topic);
        if (d.ok === true) {
          raw.set(m.offset, m);
          const headers = headersOf(m);
          const span = obs.consumed(m, d.value, headers[TRACEPARENT_HEADER], () => traceIdFromUuid(o.traceIdOf?.(d.value) ?? ''))!;
          items.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key ? m.key.toString('utf8') : null,
            value: d.value,
            headers,
            timestamp: Number(m.timestamp),
            trace: span.context,
          });
        } else if (d.ok === false) {
          obs.failed(d.failure ?? 'invalid');
          o.log.warn(
            { topic: batch.topic, partition: batch.partition, offset: m.offset, reason: d.reason },
            `${o.name}: ${d.failure ?? 'invalid'} message to dead-letter topic`,
          );
          out.push(deadLetter({ topic: batch.topic, partition: batch.partition, message: m, consumer: o.name, reason: d.reason }));
        }
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      let tHandled = 0;
      try {
        if (items.length > 0) {
          const retryUntil = Date.now() + TRANSIENT_RETRY_MS;
          for (let backoff = 250; ; backoff = Math.min(5000, backoff * 2)) {
            try {
              out.push(...(await o.handle(items)));
              break;
            } catch (e) {
              if (e instanceof TransientError) {
                // a dependency is away: wait for it with this batch, heartbeating, unless the partition moved on
                if (Date.now() > retryUntil || !payload.isRunning() || payload.isStale()) throw e;
                o.log.warn({ err: e, topic: batch.topic, partition: batch.partition, backoffMs: backoff }, `${o.name}: batch failed transiently; retrying it`);
                await sleep(backoff);
                await payload.heartbeat();
                continue;
              }
              o.log.warn({ err: e }, `${o.name}: batch handler failed; isolating messages`);
              out.push(...(await handleIsolated(items, raw, batch.topic, batch.partition)));
              break;
            }
          }
        }
        propagateTrace(items, out);
        tHandled = Date.now();
        await commit(out, [{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      } catch (e) {
        obs.endSpans(e);
        throw e;
      }
      obs.endSpans();
      if (process.env.FIXLIFY_TRACE_TIMING === '1')
        o.log.info(
          {
            topic: batch.topic,
            partition: batch.partition,
            n: batch.messages.length,
            handleMs: tHandled - tStart,
            txnMs: Date.now() - tHandled,
            brokerTs: Date.now() - Number(batch.messages[0]!.timestamp),
          },
          'batch timing',
        );
      payload.resolveOffset(last);
      obs.committed();
      await payload.heartbeat();
    },
  });

  return { consumer, close };
};

/** Checks an already parsed value with a zod schema; never throws. */
export const schemaDecoder =
  <S extends z.ZodType>(schema: S) =>
  (parsed: unknown): Decoded<z.output<S>> => {
    const r = schema.safeParse(parsed);
    if (r.success) return { ok: true, value: r.data };
    return {
      ok: false,
      reason: `schema: ${formatIssues(r.error, { max: 5 })}`,
    };
  };

/** Parses a JSON message value; never throws. */
export const parseJsonValue = (m: KafkaMessage): { ok: true; value: unknown } | { ok: false; reason: string } | { ok: 'skip' } => {
  if (m.value === null) return { ok: 'skip' };
  try {
    return { ok: true, value: JSON.parse(m.value.toString('utf8')) };
  } catch (e) {
    return { ok: false, reason: `not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
};

/** Parses a JSON message value with a zod-like schema; never throws. */
export const jsonDecoder = <S extends z.ZodType>(schema: S) => {
  const check = schemaDecoder(schema);
  return (m: KafkaMessage): Decoded<z.output<S>> => {
    const parsed = parseJsonValue(m);
    return parsed.ok === true ? check(parsed.value) : parsed;
  };
};
