import type { Pool } from 'pg';
import type { Producer } from 'kafkajs';
import { TOPICS } from '@fixlify/contracts';
import type { Logger } from '@fixlify/kafka';
import { claimDueTimers, markTimersFired } from './timer-store';

/**
 * Re-emits the continuation of due timers onto the commands topic. At least once: if the process
 * dies between the send and the mark, the lease expires and the command is sent again, with the
 * same command id, which the executor drops as a duplicate.
 */
export const startTimerPoller = (o: { pool: Pool; producer: Producer; owner: string; intervalMs: number; log: Logger }): { stop: () => Promise<void> } => {
  let running = true;
  let current: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    for (;;) {
      const due = await claimDueTimers(o.pool, o.owner, 500, 50);
      if (due.length === 0) return;
      await o.producer.send({
        topic: TOPICS.commands,
        messages: due.map((t) => ({ key: t.command.executionId, value: JSON.stringify({ ...t.command, issuedAt: new Date().toISOString() }) })),
      });
      await markTimersFired(
        o.pool,
        due.map((t) => t.id),
      );
      if (due.length < 500 || !running) return;
    }
  };
  const loop = (): void => {
    if (!running) return;
    current = tick()
      .catch((e: unknown) => o.log.error({ err: e }, 'timer poll failed'))
      .finally(() => {
        if (running) setTimeout(loop, o.intervalMs);
      });
  };
  loop();
  return {
    stop: async () => {
      running = false;
      await current;
    },
  };
};
