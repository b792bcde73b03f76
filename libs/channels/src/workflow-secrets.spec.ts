import { randomBytes } from 'node:crypto';
import { SECRET_PLACEHOLDER, SECRET_PLAIN_MAX, WorkflowDefinition, sealedSecretLength } from '@fixlify/contracts';
import { isSealedSecret, openNodeSecrets, redactWorkflowSecrets, sealWorkflowSecrets, secretSlots } from './workflow-secrets';

const key = randomBytes(32);
const scope = { organizationId: '00000000-0000-4000-8000-0000000000aa', workflowId: '00000000-0000-4000-8000-0000000000bb' };

interface TestNode {
  id: string;
  type: string;
  trigger?: unknown;
  config?: Record<string, unknown>;
}
const definition = (over: { token?: string; url?: string; header?: string; password?: string } = {}): { nodes: TestNode[]; edges: unknown[] } => ({
  nodes: [
    { id: 't', type: 'trigger', trigger: { type: 'manual' } },
    {
      id: 'call',
      type: 'api_call',
      config: {
        url: over.url ?? 'https://api.example.com/x',
        method: 'POST',
        headers: { 'X-Api-Key': over.header ?? 'hdr-secret' },
        auth: { type: 'bearer', token: over.token ?? 'tok-secret' },
      },
    },
    {
      id: 'basic',
      type: 'api_call',
      config: { url: 'https://b.example.com/', auth: { type: 'basic', username: 'me', password: over.password ?? 'pw-secret' } },
    },
    { id: 'hook', type: 'webhook', config: { url: 'https://hooks.example.com/', headers: { Authorization: 'Bearer hook-secret' } } },
    { id: 'sms', type: 'send_sms', config: { body: 'hi' } },
  ],
  edges: [],
});
type Def = ReturnType<typeof definition>;
const config = (d: Def, id: string) => d.nodes.find((n) => n.id === id)!.config as unknown as Record<string, Record<string, string> | string>;
const PLAIN = ['tok-secret', 'hdr-secret', 'pw-secret', 'hook-secret'];

describe('workflow secrets', () => {
  it('finds the secret fields of api_call and webhook steps only', () => {
    const d = definition();
    expect(d.nodes.map((n) => secretSlots(n).map((s) => s.path.join('.')))).toEqual([
      [],
      ['headers.X-Api-Key', 'auth.token'],
      ['auth.password'],
      ['headers.Authorization'],
      [],
    ]);
  });

  it('seals every secret (nothing plain is left) and the sealed definition still validates', () => {
    const { definition: sealed, issues } = sealWorkflowSecrets(definition(), null, scope, key);
    expect(issues).toEqual([]);
    const text = JSON.stringify(sealed);
    for (const p of PLAIN) expect(text).not.toContain(p);
    expect(isSealedSecret((config(sealed, 'call').auth as Record<string, string>).token)).toBe(true);
    expect((config(sealed, 'basic').auth as Record<string, string>).username).toBe('me');
    expect(WorkflowDefinition.safeParse(sealed).success).toBe(true);
    // the longest plain values still fit the contract once sealed
    const long = sealWorkflowSecrets(
      definition({
        token: 't'.repeat(SECRET_PLAIN_MAX.token),
        header: 'h'.repeat(SECRET_PLAIN_MAX.headerValue),
        password: 'p'.repeat(SECRET_PLAIN_MAX.password),
      }),
      null,
      scope,
      key,
    );
    expect(long.issues).toEqual([]);
    expect(((config(long.definition, 'call').auth as Record<string, string>).token ?? '').length).toBeLessThanOrEqual(
      sealedSecretLength(SECRET_PLAIN_MAX.token),
    );
    expect(WorkflowDefinition.safeParse(long.definition).success).toBe(true);
  });

  it('opens them for the executor, for the same organization, workflow, step and URL only', () => {
    const { definition: sealed } = sealWorkflowSecrets(definition(), null, scope, key);
    const call = sealed.nodes[1]!;
    const opened = openNodeSecrets(call, scope, key);
    expect(opened.config).toMatchObject({
      url: 'https://api.example.com/x',
      headers: { 'X-Api-Key': 'hdr-secret' },
      auth: { type: 'bearer', token: 'tok-secret' },
    });
    expect(openNodeSecrets(sealed.nodes[3]!, scope, key).config).toMatchObject({ headers: { Authorization: 'Bearer hook-secret' } });
    // the stored node is not changed
    expect(isSealedSecret((call.config!.auth as Record<string, string>).token)).toBe(true);
    const moved = { ...call, config: { ...call.config, url: 'https://attacker.example/' } };
    expect(() => openNodeSecrets(moved, scope, key)).toThrow(expect.objectContaining({ code: 'secret_unreadable' }));
    expect(() => openNodeSecrets(call, { ...scope, organizationId: '00000000-0000-4000-8000-0000000000cc' }, key)).toThrow(/cannot be opened/);
    expect(() => openNodeSecrets(call, { ...scope, workflowId: '00000000-0000-4000-8000-0000000000cc' }, key)).toThrow(/cannot be opened/);
    expect(() => openNodeSecrets({ ...call, id: 'other' }, scope, key)).toThrow(/cannot be opened/);
    expect(() => openNodeSecrets(call, scope, randomBytes(32))).toThrow(/cannot be opened/);
    // values stored before sealing existed pass as they are; other steps are untouched
    const legacy = definition().nodes[1]!;
    expect(openNodeSecrets(legacy, scope, key)).toBe(legacy);
  });

  it('answers every secret, sealed or legacy plain, as the placeholder', () => {
    for (const d of [sealWorkflowSecrets(definition(), null, scope, key).definition, definition()]) {
      const shown = redactWorkflowSecrets(d);
      const text = JSON.stringify(shown);
      for (const p of PLAIN) expect(text).not.toContain(p);
      expect(text).not.toContain('fxsecret:');
      expect(config(shown, 'call')).toMatchObject({
        url: 'https://api.example.com/x',
        headers: { 'X-Api-Key': SECRET_PLACEHOLDER },
        auth: { type: 'bearer', token: SECRET_PLACEHOLDER },
      });
      expect(config(shown, 'basic').auth).toEqual({ type: 'basic', username: 'me', password: SECRET_PLACEHOLDER });
    }
    expect(redactWorkflowSecrets({ nodes: 'unfinished' })).toEqual({ nodes: 'unfinished' });
    expect(redactWorkflowSecrets(null)).toBeNull();
  });

  it('keeps the stored value for the placeholder (same step, same URL), seals new values, refuses the rest', () => {
    const stored = sealWorkflowSecrets(definition(), null, scope, key).definition;
    const kept = sealWorkflowSecrets(redactWorkflowSecrets(stored), stored, scope, key);
    expect(kept.issues).toEqual([]);
    expect(kept.definition).toEqual(stored);

    // an editor types a new token and keeps the header
    const typed = redactWorkflowSecrets(stored);
    (config(typed, 'call').auth as Record<string, string>).token = 'tok-new';
    const r = sealWorkflowSecrets(typed, stored, scope, key);
    expect(r.issues).toEqual([]);
    expect(openNodeSecrets(r.definition.nodes[1]!, scope, key).config!.auth).toEqual({ type: 'bearer', token: 'tok-new' });
    expect(config(r.definition, 'call').headers).toEqual(config(stored, 'call').headers);

    // the URL changed with the placeholder: the secret must be typed again
    const moved = redactWorkflowSecrets(stored);
    config(moved, 'call').url = 'https://attacker.example/';
    expect(sealWorkflowSecrets(moved, stored, scope, key).issues).toEqual([
      { nodeId: 'call', path: 'config.headers.X-Api-Key', message: expect.stringMatching(/URL changed/) },
      { nodeId: 'call', path: 'config.auth.token', message: expect.stringMatching(/URL changed/) },
    ]);
    // a placeholder with nothing stored, a sealed value pasted in, a value over the limit
    expect(sealWorkflowSecrets(redactWorkflowSecrets(stored), null, scope, key).issues.map((i) => i.message)).toEqual(
      Array(4).fill('this secret has no stored value to keep: type it in'),
    );
    const pasted = definition({ token: (config(stored, 'call').auth as Record<string, string>).token! });
    expect(sealWorkflowSecrets(pasted, stored, scope, key).issues).toEqual([
      { nodeId: 'call', path: 'config.auth.token', message: expect.stringMatching(/cannot be set directly/) },
    ]);
    expect(sealWorkflowSecrets(definition({ password: 'p'.repeat(SECRET_PLAIN_MAX.password + 1) }), null, scope, key).issues).toEqual([
      { nodeId: 'basic', path: 'config.auth.password', message: 'at most 500 bytes' },
    ]);
    // legacy plain values stored before sealing: the placeholder seals them now
    const fromLegacy = sealWorkflowSecrets(redactWorkflowSecrets(definition()), definition(), scope, key);
    expect(fromLegacy.issues).toEqual([]);
    expect(JSON.stringify(fromLegacy.definition)).not.toContain('tok-secret');
    expect(openNodeSecrets(fromLegacy.definition.nodes[1]!, scope, key).config!.auth).toEqual({ type: 'bearer', token: 'tok-secret' });
  });
});
