import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Command } from '@fixlify/contracts';
import { createLogger, ensureTopics } from '@fixlify/kafka';
import { readTopic, testKafka, testPool, waitFor } from '@fixlify/testing';
import { startTimerPoller } from './timer-poller';
import { insertTimers } from './timer-store';

const log = createLogger('timer-poller-test');
log.level = 'warn';
jest.setTimeout(120_000);

/**
 * The timer poller on the real database and broker: a page of due timers whose commands are large
 * (parked commands carry definition and context) must all be re-emitted. 500 commands of 8 kB are
 * 4 MB: sent in one request, the broker refuses the record batch (MESSAGE_TOO_LARGE) and the
 * idempotent producer then answers OUT_OF_ORDER_SEQUENCE_NUMBER forever — the timers never fire.
 */
describe('timer poller (real PostgreSQL and Kafka)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = testPool();
  });
  afterAll(async () => {
    await pool.end();
  });

  it('re-emits every due timer of a page of large commands, in requests the broker accepts', async () => {
    const kafka = testKafka();
    const topic = `test.timer-poller.${process.pid}.${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    const reader = await readTopic(kafka, topic, (m) => (m.value ? (JSON.parse(m.value.toString('utf8')) as { executionId: string }).executionId : undefined));
    const org = randomUUID();
    const padding = randomBytes(4000).toString('hex'); // 8 kB per command
    const ids = Array.from({ length: 500 }, () => randomUUID());
    await insertTimers(
      pool,
      topic,
      ids.map((executionId, i) => ({
        id: `poller-test:${executionId}`,
        organizationId: org,
        executionId,
        dueAt: new Date(Date.now() - 1000),
        // the poller re-emits the stored command as it is; its shape is not its concern
        command: { kind: 'resume', executionId, organizationId: org, padding, i } as unknown as Command,
        reason: 'fairness',
      })),
    );
    const producers: { disconnect: () => Promise<void> }[] = [];
    const poller = startTimerPoller({
      pool,
      connectProducer: async () => {
        const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await p.connect();
        producers.push(p);
        return p;
      },
      topic,
      owner: `poller-test-${process.pid}`,
      intervalMs: 50,
      maxInFlight: 500,
      log,
    });
    try {
      await reader.waitFor(500, 60_000);
      expect(new Set(reader.seen)).toEqual(new Set(ids));
      // fired timers are gone
      await waitFor(
        async () => (await pool.query('SELECT count(*)::int AS n FROM automation_timers WHERE topic = $1', [topic])).rows[0].n === 0,
        10_000,
        'the fired timers to be deleted',
      );
      expect(producers).toHaveLength(1);
    } finally {
      await poller.stop();
      await reader.stop();
      await pool.query('DELETE FROM automation_timers WHERE topic = $1', [topic]);
    }
  });
});
