import { stepName, typeLabel } from './validation-issue';

describe('stepName', () => {
  it('prefers the label, else type and id', () => {
    expect(stepName({ id: 'a', type: 'send_sms', label: 'Text the client' })).toBe('"Text the client"');
    expect(stepName({ id: 'a', type: 'send_sms' })).toBe('Send SMS step "a"');
    expect(typeLabel('api_call')).toBe('API call');
  });
});
