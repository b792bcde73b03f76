import type { Pool } from 'pg';
import type { Producer } from 'kafkajs';
import { chunksOf, MAX_SEND_BYTES, type CheckResult, type Logger } from '@fixlify/kafka';
import { claimDueTimers, deleteFiredTimers } from './timer-store';

/** Header on commands re-emitted by a timer, so the consumer can hand the credit back. */
export const TIMER_HEADER = 'fixlify-timer';

export interface TimerPoller {
  /** the consumer saw `n` timer-emitted commands: they no longer count as in flight */
  consumed: (n: number) => void;
  /** timer-emitted commands not yet seen by a consumer (expired credits excluded) */
  inFlight: () => number;
  /** failing while its last poll failed (PostgreSQL or the broker away): for /health/ready */
  check: () => CheckResult;
  stop: () => Promise<void>;
}

/**
 * Re-emits the continuation of due timers onto the commands topic. At least once: if the process
 * dies between the send and the delete, the lease expires and the command is sent again, with the
 * same command id, which the executor's claim drops as a duplicate.
 *
 * Sends are cut into requests of at most MAX_SEND_BYTES (parked commands carry their definition and
 * context: 500 of them exceed the broker's 1 MiB per record batch). After a failed send the
 * producer is replaced: an idempotent producer whose batch was refused keeps answering
 * OUT_OF_ORDER_SEQUENCE_NUMBER, and the timers would never fire again.
 *
 * Back-pressure: at most `maxInFlight` re-emitted commands wait in the log at a time, so a parked
 * flood is released only as fast as executors run it and a newcomer's command never queues behind
 * more than that. Credits come back when the consumer sees the commands, or after `creditTtlMs`
 * (another instance may consume them).
 */
export const startTimerPoller = (o: {
  pool: Pool;
  /** a connected idempotent producer; called again for a fresh one after a failed send */
  connectProducer: () => Promise<Producer>;
  topic: string;
  owner: string;
  intervalMs: number;
  maxInFlight: number;
  creditTtlMs?: number;
  log: Logger;
}): TimerPoller => {
  let running = true;
  let producer: Producer | null = null;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | null = null;
  const ttl = o.creditTtlMs ?? 2000;
  // batches of credits, oldest first
  const credits: { n: number; expiresAt: number }[] = [];
  const inFlight = (): number => {
    const now = Date.now();
    while (credits.length > 0 && credits[0]!.expiresAt <= now) credits.shift();
    return credits.reduce((a, c) => a + c.n, 0);
  };

  const tick = async (): Promise<void> => {
    for (;;) {
      const room = o.maxInFlight - inFlight();
      if (room <= 0 || !running) return;
      const due = await claimDueTimers(o.pool, { owner: o.owner, topic: o.topic, limit: Math.min(500, room) });
      if (due.length === 0) return;
      credits.push({ n: due.length, expiresAt: Date.now() + ttl });
      const issuedAt = new Date().toISOString();
      const messages = due.map((t) => ({
        topic: o.topic,
        key: t.command.executionId,
        value: JSON.stringify({ ...t.command, issuedAt }),
        headers: { [TIMER_HEADER]: '1' },
      }));
      producer ??= await o.connectProducer();
      try {
        for (const chunk of chunksOf(messages, MAX_SEND_BYTES)) await producer.send({ topic: o.topic, messages: chunk });
      } catch (e) {
        // the claimed timers stay leased and are sent again when the lease ends (duplicates are dropped by the claim)
        const broken = producer;
        producer = null;
        await broken.disconnect().catch(() => undefined);
        throw e;
      }
      await deleteFiredTimers(
        o.pool,
        due.map((t) => t.id),
      );
    }
  };
  // a dependency that is away fails every poll: say so once, and once when polls succeed again
  let failing: string | null = null;
  const loop = (): void => {
    if (!running) return;
    current = tick()
      .then(
        () => {
          if (failing !== null) o.log.info('timer polls succeed again');
          failing = null;
        },
        (e: unknown) => {
          if (failing === null) o.log.error({ err: e }, 'timer poll failed; retrying every interval');
          failing = e instanceof Error ? e.message : String(e);
        },
      )
      .then(
        () =>
          new Promise<void>((r) => {
            const t = setTimeout(r, o.intervalMs);
            wake = () => {
              clearTimeout(t);
              r();
            };
          }),
      )
      .finally(() => {
        wake = null;
        if (running) loop();
      });
  };
  loop();
  return {
    consumed: (n) => {
      let left = n;
      while (left > 0 && credits.length > 0) {
        const c = credits[0]!;
        const take = Math.min(c.n, left);
        c.n -= take;
        left -= take;
        if (c.n === 0) credits.shift();
      }
      // room again: poll now rather than at the next interval
      if (n > 0 && wake) wake();
    },
    inFlight,
    check: () => (failing === null ? { ok: true } : { ok: false, detail: `last poll failed: ${failing}` }),
    stop: async () => {
      running = false;
      if (wake) wake();
      await current;
      await producer?.disconnect();
    },
  };
};
