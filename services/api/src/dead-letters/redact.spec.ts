import { redactSecrets, redactText, REDACTED } from './redact';

describe('redacting dead-letter values', () => {
  it('replaces secret-named fields (their whole subtree) and credential-looking strings', () => {
    const v = {
      organizationId: 'org-1',
      password: 'p4ss',
      user: { password_hash: 'scrypt$…', name: 'Ann' },
      webhook_secret: 'whsec',
      headers: { traceparent: '00-abc', 'x-note': 'fine?' },
      config: { url: 'https://api.example.com', auth: { type: 'bearer', token: 'tok-123' } },
      note: 'sent with Bearer abcdef123456 to them',
      key: 'fx_abcdefgh_0123456789abcdefghijklmnop',
      count: 3,
    };
    const r = redactSecrets(v) as typeof v;
    expect(r).toEqual({
      organizationId: 'org-1',
      password: REDACTED,
      user: { password_hash: REDACTED, name: 'Ann' },
      webhook_secret: REDACTED,
      headers: { traceparent: REDACTED, 'x-note': REDACTED },
      config: { url: 'https://api.example.com', auth: { type: REDACTED, token: REDACTED } },
      note: `sent with Bearer ${REDACTED} to them`,
      key: REDACTED,
      count: 3,
    });
  });
  it('opens JSON inside strings (CDC jsonb columns) and workflow definitions', () => {
    const definition = { nodes: [{ id: 'c', type: 'api_call', config: { url: 'https://x.test', headers: { 'X-Trace': 'plain-but-a-header' } } }], edges: [] };
    const row = { payload: { after: { organization_id: 'o', definition: JSON.stringify(definition), name: 'wf' } } };
    const text = redactText(JSON.stringify(row))!;
    expect(text).not.toContain('plain-but-a-header');
    expect(JSON.parse(JSON.parse(text).payload.after.definition)).toMatchObject({ nodes: [{ config: { url: 'https://x.test' } }] });
    expect(redactText('fxsecret:v1:aaa:bbb:ccc')).toBe(REDACTED);
  });
  it('redacts key=value and header forms in text that is not JSON', () => {
    expect(redactText('login failed password=hunter2 for ann')).toBe(`login failed password=${REDACTED} for ann`);
    expect(redactText('{"token": "abc", broken')).toBe(`{"token": "${REDACTED}", broken`);
    expect(redactText('Authorization: Basic dXNlcjpwYXNz')).toBe(`Authorization: Basic ${REDACTED}`);
    expect(redactText('nothing to hide')).toBe('nothing to hide');
    expect(redactText(null)).toBeNull();
  });
});
