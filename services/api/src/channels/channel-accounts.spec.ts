import { parseAccountBody } from './channel-accounts';

describe('parseAccountBody', () => {
  it('takes the provider from the path', () => {
    expect(parseAccountBody('telnyx', { secret: 'KEY0123456789', settings: { from: '+15551234567' } })).toEqual({
      provider: 'telnyx',
      secret: 'KEY0123456789',
      settings: { from: '+15551234567' },
    });
  });
  it('refuses a body that is no object, names another provider, or has fields at fault, with 400 naming them', () => {
    expect(() => parseAccountBody('telnyx', [1])).toThrow(
      expect.objectContaining({ code: 'validation_failed', message: 'the body must be a JSON object { secret, settings }' }),
    );
    expect(() => parseAccountBody('telnyx', { provider: 'mailgun' })).toThrow(
      expect.objectContaining({ code: 'validation_failed', message: 'the body names provider "mailgun" but the path says "telnyx"' }),
    );
    expect(() => parseAccountBody('telnyx', { secret: 'k', settings: { from: '555' } })).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        message: expect.stringMatching(/^invalid telnyx account: settings\.from: an E\.164 number/),
        details: [expect.objectContaining({ path: 'settings.from' })],
      }),
    );
  });
});
