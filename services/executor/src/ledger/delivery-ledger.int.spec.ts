import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { testPool } from '@fixlify/testing';
import { createDeliveryLedger, type DeliveryKey } from './delivery-ledger';

/**
 * The ledger against the real PostgreSQL, through a pool that can be made to fail the way a
 * restarting database does: before a statement (refused) or after it (committed, answer lost).
 */
describe('delivery ledger while PostgreSQL goes away', () => {
  let real: Pool;
  let mode: 'up' | 'refuse' | 'lose_answer' = 'up';
  const away = () => Object.assign(new Error('Connection terminated unexpectedly'), {});
  const flaky = {
    query: async (...args: unknown[]) => {
      if (mode === 'refuse') throw away();
      const r = await (real.query as (...a: unknown[]) => Promise<unknown>)(...args);
      if (mode === 'lose_answer') throw away();
      return r;
    },
  } as unknown as Pool;
  const key = (): DeliveryKey => ({ stepKey: `${randomUUID()}:sms`, organizationId: randomUUID(), executionId: randomUUID(), channel: 'sms' });
  const rowOf = async (k: DeliveryKey) => (await real.query<{ status: string; attempts: number; provider_message_id: string | null }>('SELECT status, attempts, provider_message_id FROM automation_deliveries WHERE step_key = $1', [k.stepKey])).rows[0];

  beforeAll(() => {
    real = testPool();
  });
  afterEach(() => {
    mode = 'up';
  });
  afterAll(async () => {
    await real.end();
  });

  it('a delivery whose record failed is remembered: the re-run records it and does not call it unknown', async () => {
    const ledger = createDeliveryLedger(flaky);
    const k = key();
    expect(await ledger.begin(k)).toEqual({ kind: 'send', attempt: 1 });
    mode = 'refuse';
    await expect(ledger.delivered(k, 'msg-1', { to: '+15550001111' })).rejects.toThrow('Connection terminated');
    expect(await rowOf(k)).toMatchObject({ status: 'sending' });
    mode = 'up';
    expect(await ledger.begin(k)).toEqual({ kind: 'already_delivered', providerMessageId: 'msg-1', response: { to: '+15550001111' } });
    expect(await rowOf(k)).toMatchObject({ status: 'delivered', provider_message_id: 'msg-1' });
  });

  it('a claim committed whose answer was lost sends on the re-run (nothing left for it)', async () => {
    const ledger = createDeliveryLedger(flaky);
    const k = key();
    mode = 'lose_answer';
    await expect(ledger.begin(k)).rejects.toThrow('Connection terminated');
    expect(await rowOf(k)).toMatchObject({ status: 'sending' });
    mode = 'up';
    expect(await ledger.begin(k)).toEqual({ kind: 'send', attempt: 2 });
  });

  it('a definite failure whose record failed may be sent again; a possible delivery may not', async () => {
    const ledger = createDeliveryLedger(flaky);
    const [definite, maybe] = [key(), key()];
    await ledger.begin(definite);
    await ledger.begin(maybe);
    mode = 'refuse';
    await expect(ledger.failed(definite.stepKey, '40002: invalid number', false, 'sms')).rejects.toThrow();
    await expect(ledger.failed(maybe.stepKey, 'socket hang up', true, 'sms')).rejects.toThrow();
    mode = 'up';
    expect(await ledger.begin(definite)).toEqual({ kind: 'send', attempt: 2 });
    expect(await ledger.begin(maybe)).toEqual({ kind: 'unknown_outcome' });
  });

  it('another process (a restart) knows nothing: a row left sending is an unknown outcome for people', async () => {
    const k = key();
    await createDeliveryLedger(real).begin(k);
    expect(await createDeliveryLedger(real).begin(k)).toEqual({ kind: 'unknown_outcome' });
    expect(await createDeliveryLedger(real).begin({ ...k, stepKey: `${k.stepKey}-hook`, channel: 'webhook' })).toEqual({ kind: 'send', attempt: 1 });
  });
});
