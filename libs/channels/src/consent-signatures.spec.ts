import { generateKeyPairSync, sign } from 'node:crypto';
import { smsKeywordOf } from '@fixlify/contracts';
import {
  inspectMailgunSignature,
  inspectTelnyxSignature,
  mailgunWebhookSignature,
  openUnsubscribeToken,
  telnyxPublicKey,
  unsubscribeToken,
} from './consent-signatures';

describe('Telnyx webhook signatures (Ed25519 over "<timestamp>|<body>")', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'jwk' }).x!;
  const key = telnyxPublicKey(Buffer.from(raw, 'base64url').toString('base64'));
  const body = Buffer.from('{"data":{"event_type":"message.received"}}');
  const t = 1_800_000_000;
  const sig = (ts: number, b: Buffer = body) => sign(null, Buffer.concat([Buffer.from(`${ts}|`), b]), privateKey).toString('base64');

  it('accepts a signature of this body and timestamp by the account key', () => {
    expect(inspectTelnyxSignature(key, sig(t), String(t), body, t + 10)).toBe('ok');
  });
  it('refuses unsigned, malformed, stale, altered or foreign requests', () => {
    expect(inspectTelnyxSignature(key, undefined, String(t), body, t)).toBe('missing');
    expect(inspectTelnyxSignature(key, sig(t), undefined, body, t)).toBe('missing');
    expect(inspectTelnyxSignature(key, 'abc', String(t), body, t)).toBe('malformed');
    expect(inspectTelnyxSignature(key, sig(t), 'yesterday', body, t)).toBe('malformed');
    expect(inspectTelnyxSignature(key, sig(t), String(t), body, t + 301)).toBe('stale');
    expect(inspectTelnyxSignature(key, sig(t), String(t), Buffer.from('{"data":{}}'), t)).toBe('mismatch');
    expect(inspectTelnyxSignature(key, sig(t), String(t + 1), body, t)).toBe('mismatch');
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(inspectTelnyxSignature(key, sign(null, Buffer.concat([Buffer.from(`${t}|`), body]), other).toString('base64'), String(t), body, t)).toBe('mismatch');
  });
  it('reads the key as a PEM too, and refuses a key of the wrong size', () => {
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(inspectTelnyxSignature(telnyxPublicKey(pem), sig(t), String(t), body, t)).toBe('ok');
    expect(() => telnyxPublicKey(Buffer.alloc(16).toString('base64'))).toThrow(/32-byte/);
  });
});

describe('Mailgun webhook signatures', () => {
  it('is the hex HMAC-SHA256 of timestamp + token, within the tolerance', () => {
    const s = { timestamp: '1800000000', token: 'tok-1', signature: mailgunWebhookSignature('mg-key', '1800000000', 'tok-1') };
    expect(inspectMailgunSignature('mg-key', s, 1_800_000_100)).toBe('ok');
    expect(inspectMailgunSignature('other', s, 1_800_000_100)).toBe('mismatch');
    expect(inspectMailgunSignature('mg-key', { ...s, token: 'tok-2' }, 1_800_000_100)).toBe('mismatch');
    expect(inspectMailgunSignature('mg-key', s, 1_800_000_301)).toBe('stale');
  });
});

describe('unsubscribe tokens', () => {
  const subject = { organizationId: '7d5b2c1e-0000-4000-8000-000000000001', channel: 'email' as const, address: 'grace@example.com' };
  it('open to their subject with the key that signed them', () => {
    expect(openUnsubscribeToken('k1', unsubscribeToken('k1', subject))).toEqual(subject);
  });
  it('do not open with another key, edited, or as garbage', () => {
    const tok = unsubscribeToken('k1', subject);
    expect(openUnsubscribeToken('k2', tok)).toBeNull();
    const forged = unsubscribeToken('k2', { ...subject, address: 'victim@example.com' });
    expect(openUnsubscribeToken('k1', `${forged.split('.')[0]}.${tok.split('.')[1]}`)).toBeNull();
    expect(openUnsubscribeToken('k1', 'nope')).toBeNull();
    expect(openUnsubscribeToken('k1', `${tok}x`)).toBeNull();
  });
});

describe('SMS keywords', () => {
  it('are the whole message, trimmed and case-insensitive', () => {
    expect(['STOP', ' stop ', 'StopAll', 'unsubscribe', 'cancel', 'END', 'quit'].map(smsKeywordOf)).toEqual(Array(7).fill('stop'));
    expect(['START', 'unstop', 'yes'].map(smsKeywordOf)).toEqual(['start', 'start', 'start']);
    expect(['HELP', 'info'].map(smsKeywordOf)).toEqual(['help', 'help']);
    expect(['please stop texting', 'STOP!', '', 'stopp'].map(smsKeywordOf)).toEqual([null, null, null, null]);
  });
});
