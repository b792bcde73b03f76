import { randomBytes } from 'node:crypto';
import { WebhookSecretView } from '@fixlify/contracts';
import { sealCredential } from '@fixlify/channels';
import { webhookSecretView } from './webhook-secret';

const key = randomBytes(32);
const org = '00000000-0000-4000-8000-0000000000aa';
const row = (previousValidUntil: Date | null) => ({
  organizationId: org,
  provider: 'webhook' as const,
  secretCiphertext: sealCredential(org, { provider: 'webhook', secret: 'whsec_abcdefghijklmnop1234', settings: {} }, key).secretCiphertext,
  settings: {},
  previousSecretCiphertext: null,
  previousValidUntil,
  updatedAt: new Date('2030-01-01T00:00:00Z'),
});

describe('webhookSecretView', () => {
  const now = new Date('2030-01-02T00:00:00Z');
  it('shows a hint and, while it is still valid, until when the rotated-out secret works', () => {
    const v = webhookSecretView(row(new Date('2030-01-02T06:00:00Z')), key, now);
    expect(WebhookSecretView.parse(v)).toEqual(v);
    expect(v).toEqual({ exists: true, secretHint: '••••1234', previousValidUntil: '2030-01-02T06:00:00.000Z', updatedAt: '2030-01-01T00:00:00.000Z' });
    expect(webhookSecretView(row(new Date('2030-01-01T06:00:00Z')), key, now).previousValidUntil).toBeNull();
  });
  it('says there is none before the executor made one', () => {
    expect(webhookSecretView(undefined, key, now)).toEqual({ exists: false, secretHint: null, previousValidUntil: null, updatedAt: null });
  });
});
