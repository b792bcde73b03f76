import { decideExisting } from './delivery-ledger';

const row = (status: string, extra: Partial<{ provider_message_id: string | null; error: string | null }> = {}) => ({
  status,
  provider_message_id: null,
  response: null,
  error: null,
  updated_at: new Date('2030-01-01T00:00:00Z'),
  ...extra,
});

describe('decideExisting', () => {
  it('claimed: the last byte never left, so every channel may send again (null = claim and send)', () => {
    for (const ch of ['sms', 'email', 'push', 'webhook', 'api_call'] as const) expect(decideExisting(row('claimed'), ch)).toBeNull();
  });

  it('sending: a person message is in doubt (reconcile or unknown), a machine call is resent with its key', () => {
    expect(decideExisting(row('sending', { provider_message_id: 'm-1' }), 'sms')).toEqual({
      kind: 'in_doubt',
      since: new Date('2030-01-01T00:00:00Z'),
      providerMessageId: 'm-1',
    });
    expect(decideExisting(row('sending'), 'email')).toMatchObject({ kind: 'in_doubt' });
    expect(decideExisting(row('sending'), 'push')).toMatchObject({ kind: 'in_doubt' });
    expect(decideExisting(row('sending'), 'webhook')).toBeNull();
    expect(decideExisting(row('sending'), 'api_call')).toBeNull();
  });

  it('delivered and suppressed are final; failed is sent again', () => {
    expect(decideExisting(row('delivered', { provider_message_id: 'm-2' }), 'sms')).toEqual({
      kind: 'already_delivered',
      providerMessageId: 'm-2',
      response: null,
    });
    expect(decideExisting(row('suppressed', { error: 'no consent' }), 'email')).toEqual({ kind: 'already_suppressed', reason: 'no consent' });
    expect(decideExisting(row('failed'), 'sms')).toBeNull();
  });
});
