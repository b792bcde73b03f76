import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { DeliveryChannel } from '@fixlify/channels';
import { testPool } from '@fixlify/testing';
import { createDeliveryLedger, type DeliveryKey } from './delivery-ledger';

jest.setTimeout(60_000);

/** The ledger's statements on the real database: who may let a request's last byte go, and what a re-run decides. */
describe('delivery ledger (real PostgreSQL)', () => {
  let pool: Pool;
  const org = randomUUID();
  beforeAll(() => {
    pool = testPool();
  });
  afterAll(async () => {
    await pool.query('DELETE FROM automation_deliveries WHERE organization_id = $1', [org]);
    await pool.end();
  });
  const key = (channel: DeliveryChannel = 'sms'): DeliveryKey => {
    const executionId = randomUUID();
    return { stepKey: `${executionId}:msg`, organizationId: org, executionId, channel };
  };
  const status = async (k: DeliveryKey) =>
    (await pool.query<{ status: string; attempts: number }>('SELECT status, attempts FROM automation_deliveries WHERE step_key = $1', [k.stepKey])).rows[0];

  it('a first run writes nothing before the last byte; then exactly one attempt may go "sending"', async () => {
    const ledger = createDeliveryLedger(pool);
    const k = key();
    expect(await status(k)).toBeUndefined();
    // two consumers of one command at once (one group, then one after the other): only the first
    expect(await Promise.all([ledger.sending(k, null), ledger.sending(k, null)])).toEqual([true, false]);
    expect(await ledger.sending(k, null)).toBe(false);
    expect(await status(k)).toEqual({ status: 'sending', attempts: 1 });
  });

  it('a re-run claims ("claimed", not on the wire); a later claim takes over and the stale one may not send', async () => {
    const ledger = createDeliveryLedger(pool);
    const k = key();
    expect(await ledger.begin(k)).toEqual({ kind: 'send', attempt: 1 });
    expect(await status(k)).toEqual({ status: 'claimed', attempts: 1 });
    // the process died before the last byte: the next re-run may send
    expect(await ledger.begin(k)).toEqual({ kind: 'send', attempt: 2 });
    expect(await ledger.sending(k, 1)).toBe(false);
    expect(await ledger.sending(k, 2)).toBe(true);
    expect(await status(k)).toEqual({ status: 'sending', attempts: 2 });
    // the same step twice in one group of begins: the second is busy
    const k2 = key();
    const [a, b] = await Promise.all([ledger.begin(k2), ledger.begin(k2)]);
    expect([a, b]).toEqual([{ kind: 'send', attempt: 1 }, { kind: 'busy' }]);
  });

  it('"sending" left behind: people are in doubt, machines are sent again', async () => {
    const ledger = createDeliveryLedger(pool);
    const sms = key('sms');
    const hook = key('webhook');
    expect(await ledger.sending(sms, null)).toBe(true);
    await pool.query(
      `INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts) VALUES ($1, $2, $3, 'webhook', 'sending', 1)`,
      [hook.stepKey, org, hook.executionId],
    );
    expect(await ledger.begin(sms)).toMatchObject({ kind: 'in_doubt', providerMessageId: null });
    expect(await ledger.begin(hook)).toEqual({ kind: 'send', attempt: 2 });
  });

  it('failed: a possibly delivered person message stays "sending"; a known failure is sent again; delivered is never undone', async () => {
    const ledger = createDeliveryLedger(pool);
    const a = key('sms');
    await ledger.sending(a, null);
    await ledger.failed(a.stepKey, 'timeout: no answer', true, 'sms');
    expect(await status(a)).toMatchObject({ status: 'sending' });
    const b = key('sms');
    await ledger.sending(b, null);
    await ledger.failed(b.stepKey, 'HTTP 503', false, 'sms');
    expect(await ledger.begin(b)).toEqual({ kind: 'send', attempt: 2 });
    const c = key('email');
    await ledger.delivered(c, '<m@x>', { to: 'a@x.com' });
    await ledger.failed(c.stepKey, 'late failure of an overtaken attempt', false, 'email');
    expect(await ledger.begin(c)).toEqual({ kind: 'already_delivered', providerMessageId: '<m@x>', response: { to: 'a@x.com' } });
  });
});

/**
 * Through a pool that fails the way a restarting database does: before a statement (refused) or
 * after it (committed, reply lost). The process that saw what happened must not forget it.
 */
describe('delivery ledger while PostgreSQL goes away', () => {
  let real: Pool;
  let mode: 'up' | 'refuse' | 'lose_reply' = 'up';
  const away = () => new Error('Connection terminated unexpectedly');
  const flaky = {
    query: async (...args: unknown[]) => {
      if (mode === 'refuse') throw away();
      const r = await (real.query as (...a: unknown[]) => Promise<unknown>)(...args);
      if (mode === 'lose_reply') throw away();
      return r;
    },
  } as unknown as Pool;
  const org = randomUUID();
  const key = (): DeliveryKey => {
    const executionId = randomUUID();
    return { stepKey: `${executionId}:sms`, organizationId: org, executionId, channel: 'sms' };
  };
  const rowOf = async (k: DeliveryKey) =>
    (
      await real.query<{ status: string; provider_message_id: string | null }>(
        'SELECT status, provider_message_id FROM automation_deliveries WHERE step_key = $1',
        [k.stepKey],
      )
    ).rows[0];

  beforeAll(() => {
    real = testPool();
  });
  afterEach(() => {
    mode = 'up';
  });
  afterAll(async () => {
    await real.query('DELETE FROM automation_deliveries WHERE organization_id = $1', [org]);
    await real.end();
  });

  it('a delivery whose record failed is remembered: the re-run records it instead of doubting it', async () => {
    const ledger = createDeliveryLedger(flaky);
    const k = key();
    expect(await ledger.sending(k, null)).toBe(true);
    mode = 'refuse';
    await expect(ledger.delivered(k, 'msg-1', { to: '+15550001111' })).rejects.toThrow('Connection terminated');
    expect(await rowOf(k)).toMatchObject({ status: 'sending' });
    mode = 'up';
    expect(await ledger.begin(k)).toEqual({ kind: 'already_delivered', providerMessageId: 'msg-1', response: { to: '+15550001111' } });
    expect(await rowOf(k)).toMatchObject({ status: 'delivered', provider_message_id: 'msg-1' });
  });

  it('a "sending" whose reply was lost (so the last byte never left) may be sent on the re-run', async () => {
    const ledger = createDeliveryLedger(flaky);
    const k = key();
    mode = 'lose_reply';
    await expect(ledger.sending(k, null)).rejects.toThrow('Connection terminated');
    expect(await rowOf(k)).toMatchObject({ status: 'sending' });
    mode = 'up';
    expect(await ledger.begin(k)).toEqual({ kind: 'send', attempt: 2 });
  });

  it('a definite failure whose record failed may be sent again; a possible delivery stays in doubt', async () => {
    const ledger = createDeliveryLedger(flaky);
    const [definite, maybe] = [key(), key()];
    await ledger.sending(definite, null);
    await ledger.sending(maybe, null);
    mode = 'refuse';
    await expect(ledger.failed(definite.stepKey, '40002: invalid number', false, 'sms')).rejects.toThrow();
    await expect(ledger.failed(maybe.stepKey, 'socket hang up', true, 'sms')).rejects.toThrow();
    mode = 'up';
    expect(await ledger.begin(definite)).toEqual({ kind: 'send', attempt: 2 });
    expect(await ledger.begin(maybe)).toMatchObject({ kind: 'in_doubt' });
  });

  it('another process (a restart) knows none of it: a row left sending is in doubt for people', async () => {
    const k = key();
    await createDeliveryLedger(real).sending(k, null);
    expect(await createDeliveryLedger(real).begin(k)).toMatchObject({ kind: 'in_doubt' });
  });
});
