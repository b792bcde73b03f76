import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { StepResult } from '@fixlify/contracts';
import {
  deliveries,
  executionsByStatus,
  jsonDecoder,
  NO_SELF_RESTART,
  observeBatch,
  parseTraceparent,
  superviseConsumer,
  type BatchObservation,
  type CheckResult,
  type Incarnation,
  traceFields,
  TRACEPARENT_HEADER,
  tracingEnabled,
  type Logger,
} from '@fixlify/kafka';
import { withTransaction } from '@fixlify/db';
import { projectBatch, type ProjectionInput } from './project-batch';
import { rebuildLockKey, table, type ProjectionTarget } from './target';

export interface ProjectorOptions {
  kafka: Kafka;
  pool: Pool;
  groupId: string;
  /** the projection's name in the offsets table */
  consumerName: string;
  topic: string;
  target: ProjectionTarget;
  log: Logger;
  fromBeginning: boolean;
  /**
   * Live projectors take the target's rebuild lock shared in every batch, so a rebuild (which
   * holds it exclusively) pauses them instead of racing them; the rebuild's own projector must not.
   */
  pauseDuringRebuild: boolean;
  /**
   * Commit without waiting for the WAL flush. Only for a rebuild: a crash may lose its last
   * batches (rows and offsets together), and a rebuild is rerun from scratch anyway. A live
   * projector must not: Kafka's committed offset could then run ahead of what PostgreSQL kept.
   */
  asyncCommit?: boolean;
  /** how often a live projector compares its position with the stored one (default 5 s) */
  positionCheckMs?: number;
  /** partitions projected at once (each in its own transaction); default 1 */
  concurrency?: number;
  maxBytesPerPartition?: number;
}

export interface ProjectorProgress {
  /** results read from the topic */
  consumed: number;
  /** results that changed the projection */
  applied: number;
  batches: number;
}

export interface Projector {
  isReady: () => boolean;
  check: () => CheckResult;
  progress: () => ProjectorProgress;
  /** resolves when every partition has been projected up to the given end offsets (exclusive) */
  caughtUp: (ends: ReadonlyMap<number, bigint>, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

const headerString = (m: KafkaMessage, name: string): string | undefined => {
  const v = m.headers?.[name];
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v[0] : v)?.toString();
};

/** The consumer is ahead of the stored position: fetch again from `offset`. */
class Rewind extends Error {
  constructor(readonly offset: string) {
    super(`rewind to ${offset}`);
  }
}

/** The offset a fetch asked for (kafkajs keeps it on the batch but does not type it). */
const fetchedOffsetOf = (batch: Batch): string | undefined => {
  const v = (batch as unknown as { fetchedOffset?: unknown }).fetchedOffset;
  return typeof v === 'string' ? v : undefined;
};

const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']); // deadlock, serialization failure

/** Runs `fn` in a transaction, retrying it (a few times) when PostgreSQL picks it as a deadlock victim. */
const inTransaction = async <R>(pool: Pool, log: Logger, asyncCommit: boolean, fn: (db: PoolClient) => Promise<R>): Promise<R> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, fn, asyncCommit ? { begin: 'BEGIN; SET LOCAL synchronous_commit = off' } : {});
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (attempt >= 5 || typeof code !== 'string' || !RETRYABLE_SQLSTATES.has(code)) throw e;
      log.warn({ code, attempt }, 'projection batch retried after a transaction conflict');
    }
  }
};

/**
 * Exactly-once projection: rows and consumed offsets commit in one PostgreSQL transaction (the
 * offsets table is the truth; Kafka's committed offsets only make restarts start close by).
 *
 * Pipelined: eachBatch only decodes a batch and queues its transaction behind the previous one of
 * the same partition, then returns, so kafkajs fetches the next batches while PostgreSQL works
 * (kafkajs waits for every batch of a fetch to be handled before fetching again). At most
 * `concurrency` transactions run at once, and at most two more batches wait. When a
 * transaction fails for good, the partition is rewound to that batch (kafkajs seek) and the
 * batches queued behind it are dropped: they are fetched again.
 */
export const startProjector = async (o: ProjectorOptions): Promise<Projector> => {
  const decode = jsonDecoder(StepResult);
  const concurrency = o.concurrency ?? 1;
  const progress: ProjectorProgress = { consumed: 0, applied: 0, batches: 0 };
  let joined = false;
  let stopping = false;
  /** the current incarnation's consumer (a crashed one is replaced, see superviseConsumer) */
  let consumer: Consumer;
  const done = new Map<number, bigint>();
  /** per partition: the tail of its queue of transactions */
  const tails = new Map<number, Promise<void>>();
  /** per partition: bumped on a rewind, so batches queued before it are dropped */
  const epochs = new Map<number, number>();
  let queued = 0;
  const queuedByPartition = new Map<number, number>();
  const queuedFor = (p: number): number => queuedByPartition.get(p) ?? 0;
  let running = 0;
  const wakeups: (() => void)[] = [];
  const wake = (): void => {
    for (const w of wakeups.splice(0)) w();
  };
  const until = async (ok: () => boolean): Promise<void> => {
    while (!ok()) await new Promise<void>((r) => wakeups.push(r));
  };
  const enqueue = (partition: number, job: (epoch: number) => Promise<void>): void => {
    const epoch = epochs.get(partition) ?? 0;
    queued++;
    queuedByPartition.set(partition, queuedFor(partition) + 1);
    const tail = (tails.get(partition) ?? Promise.resolve()).then(async () => {
      try {
        if ((epochs.get(partition) ?? 0) === epoch && !stopping) await job(epoch);
      } finally {
        queued--;
        queuedByPartition.set(partition, queuedFor(partition) - 1);
        wake();
      }
    });
    tails.set(partition, tail);
  };

  const assigned = new Set<number>();
  /** a fresh consumer; queued batches of the crashed one are dropped (fetched again from the stored positions) */
  const incarnate = async (watch: (c: Consumer) => void): Promise<Incarnation> => {
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 500,
      maxBytes: 64 * 1024 * 1024,
      maxBytesPerPartition: o.maxBytesPerPartition ?? 8 * 1024 * 1024,
      sessionTimeout: 30_000,
      heartbeatInterval: 1000,
      retry: NO_SELF_RESTART,
    });
    watch(consumer);
    const close = async (): Promise<void> => {
      for (const p of tails.keys()) epochs.set(p, (epochs.get(p) ?? 0) + 1);
      await consumer.disconnect().catch(() => undefined);
      await Promise.all([...tails.values()]);
    };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      joined = true;
      assigned.clear();
      for (const p of payload.memberAssignment[o.topic] ?? []) assigned.add(p);
    });
    // batches holding only transaction markers never reach eachBatch but still move the position,
    // once the batches queued before them have committed
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.topic !== o.topic || payload.batchSize !== 0) return;
      const next = (BigInt(payload.lastOffset) + 1n).toString();
      enqueue(payload.partition, async () => {
        // move the stored position over the markers, only when contiguous with it (never over a gap)
        await o.pool
          .query(
            `UPDATE ${table(o.target, 'automation_projection_offsets')} SET next_offset = $4, updated_at = now()
           WHERE consumer = $1 AND topic = $2 AND partition = $3 AND next_offset >= $5 AND next_offset < $4`,
            [o.consumerName, o.topic, payload.partition, next, payload.firstOffset ?? next],
          )
          .catch((e: unknown) => o.log.warn({ err: e }, 'could not move the projection over transaction markers'));
        done.set(payload.partition, BigInt(next));
      });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [o.topic], fromBeginning: o.fromBeginning });
    } catch (e) {
      await close();
      throw e;
    }

    const project = async (batch: Batch, items: ProjectionInput['items'], obs: BatchObservation): Promise<void> => {
      obs.startTimer();
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await until(() => running < concurrency);
      running++;
      let outcome;
      try {
        outcome = await inTransaction(o.pool, o.log, o.asyncCommit ?? false, async (client) => {
          if (o.pauseDuringRebuild) await client.query('SELECT pg_advisory_xact_lock_shared(hashtext($1), 0)', [rebuildLockKey(o.target)]);
          return projectBatch(
            client,
            o.consumerName,
            { topic: batch.topic, partition: batch.partition, items, nextOffset: next, fetchedOffset: fetchedOffsetOf(batch) },
            o.target,
          );
        });
      } finally {
        running--;
        wake();
      }
      if (outcome.rewindTo !== undefined) throw new Rewind(outcome.rewindTo);
      done.set(batch.partition, BigInt(next));
      progress.consumed += batch.messages.length;
      progress.applied += outcome.applied;
      progress.batches++;
      for (const [k, n] of outcome.statuses) {
        const [status, lane] = k.split('|');
        executionsByStatus.inc({ status, lane }, n);
      }
      for (const [k, n] of outcome.deliveries) {
        const [channel, result, lane] = k.split('|');
        deliveries.inc({ channel, outcome: result, lane }, n);
      }
      obs.committed();
      // Kafka's offsets are only a hint for restarts (the offsets table is the truth): a failed commit is harmless
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]).catch((e: unknown) => {
        o.log.warn({ err: e }, 'could not commit the consumer offset (the offsets table keeps the position)');
      });
    };

    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload) => {
        const { batch } = payload;
        if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
        // back-pressure: decoded batches waiting for PostgreSQL hold memory
        await until(() => queued < concurrency + 2 || stopping);
        const debug = o.log.isLevelEnabled('debug');
        // spans only when a collector is configured: a rebuild of a million results must not pay for them
        const obs = observeBatch({ consumer: o.consumerName, batch, spanName: `${o.consumerName} project`, spans: tracingEnabled() ? 'record' : 'none' });
        const items = batch.messages.map((m) => {
          const d = decode(m);
          if (d.ok === false) {
            // the producer validated it; an unreadable result is logged and skipped, not fatal
            obs.failed('invalid');
            o.log.warn({ offset: m.offset, partition: batch.partition, reason: d.reason }, 'unreadable step result skipped');
            return { offset: m.offset, value: null };
          }
          if (d.ok !== true) return { offset: m.offset, value: null };
          obs.consumed(m, d.value, headerString(m, TRACEPARENT_HEADER));
          if (debug)
            o.log.debug(
              {
                organizationId: d.value.organizationId,
                workflowId: d.value.workflowId,
                executionId: d.value.executionId,
                seq: d.value.seq,
                kind: d.value.kind,
                ...traceFields(parseTraceparent(headerString(m, TRACEPARENT_HEADER))),
              },
              'step result',
            );
          return { offset: m.offset, value: d.value };
        });
        const first = batch.messages[0]!.offset;
        enqueue(batch.partition, async (epoch) => {
          try {
            await project(batch, items, obs);
            obs.endSpans();
          } catch (e) {
            obs.endSpans(e);
            if (stopping) return;
            // drop what is queued behind this batch and fetch it all again from the stored position
            epochs.set(batch.partition, epoch + 1);
            const to = e instanceof Rewind ? e.offset : first;
            if (e instanceof Rewind)
              o.log.warn({ partition: batch.partition, fetched: fetchedOffsetOf(batch), to }, 'consumer ahead of the stored projection position; rewinding');
            else o.log.error({ err: e, partition: batch.partition, offset: first }, 'projection batch failed; rewinding the partition');
            try {
              consumer.seek({ topic: batch.topic, partition: batch.partition, offset: to });
            } catch (err) {
              o.log.warn({ err, partition: batch.partition }, 'could not rewind (partition revoked?); the next owner resumes from the offsets table');
            }
            if (!(e instanceof Rewind)) await new Promise((r) => setTimeout(r, 1000));
          }
        });
        // the fetch position moves on now; commits to Kafka follow the PostgreSQL commits
        payload.resolveOffset(batch.lastOffset());
        await payload.heartbeat().catch(() => undefined);
      },
    });
    return { consumer, close };
  };
  const supervised = await superviseConsumer({
    name: o.consumerName,
    log: o.log,
    start: async (watch) => {
      const inc = await incarnate(watch);
      consumer = inc.consumer;
      return inc;
    },
  });
  // A live projector watches its stored positions: when a rebuild resets them behind its back
  // (e.g. one that died half-way) and no new data arrives to notice it, it goes back to them.
  let watching: Promise<void> = Promise.resolve();
  const watch = o.pauseDuringRebuild
    ? setInterval(() => {
        watching = watching.then(() => checkPositions().catch((e: unknown) => o.log.warn({ err: e }, 'could not check the projection positions')));
      }, o.positionCheckMs ?? 5000)
    : undefined;
  const checkPositions = async (): Promise<void> => {
    if (stopping || !joined) return;
    const mine = [...assigned].filter((p) => done.has(p) && queuedFor(p) === 0);
    if (mine.length === 0) return;
    const stored = await inTransaction(o.pool, o.log, false, async (db) => {
      // a rebuild in progress owns the positions: look again later
      const free = await db.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock_shared(hashtext($1), 0) AS ok', [rebuildLockKey(o.target)]);
      if (!free.rows[0]?.ok) return null;
      const r = await db.query<{ partition: number; next_offset: string }>(
        `SELECT partition, next_offset FROM ${table(o.target, 'automation_projection_offsets')} WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[])`,
        [o.consumerName, o.topic, mine],
      );
      return new Map(r.rows.map((x) => [x.partition, BigInt(x.next_offset)]));
    });
    if (!stored) return;
    let lows: Map<number, string> | undefined;
    for (const p of mine) {
      const at = done.get(p)!;
      let to = stored.get(p);
      if (to !== undefined && to >= at) continue;
      if (to === undefined) {
        // the row is gone (cleared by a rebuild that never got to this partition): start over
        if (!lows) {
          const admin = o.kafka.admin();
          await admin.connect();
          try {
            lows = new Map((await admin.fetchTopicOffsets(o.topic)).map((x) => [x.partition, x.low]));
          } finally {
            await admin.disconnect();
          }
        }
        to = BigInt(lows.get(p) ?? '0');
      }
      o.log.warn({ partition: p, at: at.toString(), to: to.toString() }, 'stored projection position moved back (a rebuild?); rewinding');
      epochs.set(p, (epochs.get(p) ?? 0) + 1);
      done.set(p, to);
      consumer.seek({ topic: o.topic, partition: p, offset: to.toString() });
    }
  };

  return {
    isReady: supervised.isRunning,
    check: supervised.check,
    progress: () => ({ ...progress }),
    caughtUp: async (ends, timeoutMs = Number.POSITIVE_INFINITY) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ([...ends].every(([p, e]) => (done.get(p) ?? 0n) >= e)) return;
        if (Date.now() > deadline) throw new Error(`projection of ${o.topic} not caught up after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop: async () => {
      stopping = true;
      if (watch) clearInterval(watch);
      await watching;
      wake();
      await supervised.stop();
    },
  };
};
