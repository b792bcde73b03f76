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
  const status = async (k: DeliveryKey) => (await pool.query<{ status: string; attempts: number }>('SELECT status, attempts FROM automation_deliveries WHERE step_key = $1', [k.stepKey])).rows[0];

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
    await pool.query(`INSERT INTO automation_deliveries (step_key, organization_id, execution_id, channel, status, attempts) VALUES ($1, $2, $3, 'webhook', 'sending', 1)`, [
      hook.stepKey,
      org,
      hook.executionId,
    ]);
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
