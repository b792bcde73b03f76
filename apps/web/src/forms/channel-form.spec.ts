import { CHANNEL_PROVIDERS, ChannelCredentialsInput } from '@fixlify/contracts';
import { formatTime } from '../components/ui';
import { CHANNELS, cardActions, describeSettings, initialValues, issuesByField, previousSecretNotice, toRequestBody } from './channel-form';

describe('channel account form', () => {
  it('has a form for every provider, each with exactly one secret', () => {
    expect(Object.keys(CHANNELS).sort()).toEqual([...CHANNEL_PROVIDERS].sort());
    for (const p of CHANNEL_PROVIDERS) expect(CHANNELS[p].fields.filter((f) => f.kind === 'secret').map((f) => f.name)).toEqual(['secret']);
  });

  it('types numbers and booleans and leaves defaulted fields to the API', () => {
    const values = { ...initialValues('smtp'), host: ' smtp.example.com ', port: '2525', secure: true, user: 'ops', secret: 'pw', from: 'ops@example.com' };
    expect(toRequestBody('smtp', values)).toEqual({
      secret: 'pw',
      settings: { host: 'smtp.example.com', port: 2525, secure: true, user: 'ops', from: 'ops@example.com' },
    });
    expect(toRequestBody('smtp', { ...values, port: '', secure: false }).settings).toEqual({
      host: 'smtp.example.com',
      secure: false,
      user: 'ops',
      from: 'ops@example.com',
    });
  });

  it('drops empty optional fields and keeps empty required ones for the API to name', () => {
    expect(toRequestBody('mailgun', { secret: 'key-1', domain: 'mg.example.com', from: 'a@mg.example.com', apiBase: '  ' })).toEqual({
      secret: 'key-1',
      settings: { domain: 'mg.example.com', from: 'a@mg.example.com' },
    });
    expect(toRequestBody('telnyx', { secret: 'k', from: '', messagingProfileId: '' }).settings).toEqual({ from: '' });
    expect(toRequestBody('webhook', { secret: 'a-long-signing-secret' })).toEqual({ secret: 'a-long-signing-secret', settings: {} });
  });

  it('produces bodies the API accepts', () => {
    const ok = [
      toRequestBody('smtp', { ...initialValues('smtp'), host: 'smtp.example.com', user: 'ops', secret: 'pw', from: 'ops@example.com' }),
      toRequestBody('telnyx', { secret: 'KEY', from: '+15551234567', messagingProfileId: '' }),
      toRequestBody('webpush', { secret: 'priv', publicKey: 'B'.repeat(40), subject: 'mailto:ops@example.com' }),
    ];
    expect(ok.map((b, i) => ChannelCredentialsInput.safeParse({ ...b, provider: ['smtp', 'telnyx', 'webpush'][i] }).success)).toEqual([true, true, true]);
  });

  it('prefills the saved settings but never a secret', () => {
    expect(initialValues('smtp', { host: 'h', port: 465, secure: true, user: 'u', from: 'f' })).toEqual({
      host: 'h',
      port: '465',
      secure: true,
      user: 'u',
      secret: '',
      from: 'f',
    });
    expect(initialValues('smtp')).toMatchObject({ port: '587', secure: false, secret: '' });
  });

  it('maps API issue paths to fields', () => {
    const details = [
      { path: 'secret', message: 'too short' },
      { path: 'settings.domain', message: 'a domain name' },
      { path: 'settings', message: 'unrecognized key' },
      { path: '', message: 'bad' },
      'junk',
    ];
    expect(issuesByField(details)).toEqual({
      byField: { secret: ['too short'], domain: ['a domain name'] },
      other: ['settings: unrecognized key', 'body: bad'],
    });
    expect(issuesByField(undefined)).toEqual({ byField: {}, other: [] });
  });

  it('describes saved settings with the form labels', () => {
    expect(describeSettings('smtp', { from: 'f', host: 'h', secure: false, extra: 1 })).toEqual([
      { label: 'Host', value: 'h' },
      { label: 'Implicit TLS (port 465)', value: 'no' },
      { label: 'From', value: 'f' },
      { label: 'extra', value: '1' },
    ]);
  });

  it('never offers to remove the webhook signing secret (the API refuses), and offers its rotation to owners only', () => {
    expect(cardActions('telnyx', true, 'owner')).toEqual({ remove: true, rotate: false });
    expect(cardActions('telnyx', false, 'owner')).toEqual({ remove: false, rotate: false });
    expect(cardActions('webhook', true, 'owner')).toEqual({ remove: false, rotate: true });
    expect(cardActions('webhook', false, 'owner')).toEqual({ remove: false, rotate: true });
    expect(cardActions('webhook', true, 'editor')).toEqual({ remove: false, rotate: false });
    expect(cardActions('webhook', true, 'viewer')).toEqual({ remove: false, rotate: false });
  });

  it('says until when the replaced signing secret is still accepted, from the rotation answer', () => {
    const until = '2030-01-02T03:04:05.000Z';
    expect(previousSecretNotice(until, true)).toBe(
      `The previous secret is still accepted until ${formatTime(until)}: until then every webhook carries a signature with each.`,
    );
    expect(previousSecretNotice(null, true)).toBe('The previous secret is no longer accepted.');
    expect(previousSecretNotice(null, false)).toBe('This is the organization’s first signing secret.');
  });
});
