import { createHash, randomBytes, scryptSync } from 'node:crypto';
import type { Pool } from 'pg';
import { SECRET_PLACEHOLDER, TOPICS } from '@fixlify/contracts';
import {
  allowLoopback,
  createOrganization,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  startWebhookReceiver,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  type WebhookReceiver,
} from '@fixlify/testing';

type Role = 'owner' | 'editor' | 'viewer';
type Org = 'A' | 'B';
interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
  body: any;
  text: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tag = `${process.pid}-${Date.now()}`;
const scryptHash = (password: string): string => {
  const salt = randomBytes(16);
  return `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
};
const PASSWORD = 'tenant-boundaries-pass';
/** every sign-in of a test comes "from" its own client address (the API trusts X-Forwarded-For from loopback here) */
let addressSeq = 0;
const nextAddress = (): string => `198.51.100.${(addressSeq++ % 250) + 1}`;

/**
 * The tenant boundaries of the API and its accounts, on the real stack: two organizations with an
 * API key and a signed-in user of each role, an executor to run test runs, local Mailgun/Telnyx
 * stand-ins and a webhook receiver. Each test fails on the code before these changes.
 */
jest.setTimeout(300_000);

describe('API: tenant boundaries, accounts and sessions', () => {
  let pool: Pool;
  let api: ServiceProcess;
  let executor: ServiceProcess;
  let mailgun: MailgunStandin;
  let telnyx: TelnyxStandin;
  let receiver: WebhookReceiver;
  let base: string;
  const orgs = {} as Record<Org, string>;
  const keys = { A: {}, B: {} } as Record<Org, Record<Role, string>>;
  const cookies = { A: {}, B: {} } as Record<Org, Record<Role, string>>;
  const emails = { A: {}, B: {} } as Record<Org, Record<Role, string>>;

  const request = async (
    path: string,
    init: { method?: string; key?: string | null; cookie?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = {
      ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
      ...init.headers,
    };
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const r = await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
    });
    const text = await r.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, headers: r.headers, body, text };
  };
  const call = (key: string | null, method: string, path: string, body?: unknown) => request(path, { method, key, ...(body !== undefined ? { body } : {}) });
  const login = (email: string, password: string, headers: Record<string, string> = {}) =>
    request('/api/auth/login', { method: 'POST', body: { email, password }, headers: { 'x-forwarded-for': nextAddress(), ...headers } });

  beforeAll(async () => {
    pool = testPool();
    [mailgun, telnyx, receiver] = await Promise.all([
      startMailgunStandin({ apiKey: 'key-tenant' }),
      startTelnyxStandin({ apiKey: 'KEY_tenant' }),
      startWebhookReceiver(),
    ]);
    [api, executor] = await Promise.all([
      startService(
        'api',
        { API_TRUST_PROXY: 'loopback', OUTBOX_MAILGUN_URL: mailgun.url, OUTBOX_TELNYX_URL: telnyx.url, API_DLQ_BUFFER: '100', API_DLQ_BUFFER_PER_ORG: '20' },
        'tenant-boundaries-api',
      ),
      startService(
        'executor',
        {
          OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
          MAILGUN_API_BASE: mailgun.url,
          MAILGUN_API_KEY: 'key-tenant',
          MAILGUN_DOMAIN: 'mg.tenant.test',
          TELNYX_API_BASE: telnyx.url,
          TELNYX_API_KEY: 'KEY_tenant',
          TELNYX_FROM: '+15550100000',
        },
        'tenant-boundaries-executor',
      ),
    ]);
    await Promise.all([api.waitReady(120_000), executor.waitReady(120_000)]);
    base = `http://127.0.0.1:${api.port}`;
    orgs.A = await createOrganization(pool, { name: `Alpha Boundaries ${tag}` });
    orgs.B = await createOrganization(pool, { name: `Beta Boundaries ${tag}` });
    for (const org of ['A', 'B'] as const) {
      for (const role of ['owner', 'editor', 'viewer'] as const) {
        const prefix = randomBytes(6).toString('hex').slice(0, 8);
        const key = `fx_${prefix}_${randomBytes(32).toString('base64url')}`;
        await pool.query(`INSERT INTO api_keys (organization_id, name, prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5)`, [
          orgs[org],
          `${org} ${role}`,
          prefix,
          createHash('sha256').update(key).digest('hex'),
          role,
        ]);
        keys[org][role] = key;
        emails[org][role] = `${role}-${org.toLowerCase()}-${tag}@boundaries.test`;
        await pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, $3, $4, $5)`, [
          orgs[org],
          emails[org][role],
          `${org} ${role}`,
          scryptHash(PASSWORD),
          role,
        ]);
        const r = await login(emails[org][role], PASSWORD);
        expect(r.status).toBe(200);
        cookies[org][role] = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
      }
    }
  });

  afterAll(async () => {
    await Promise.all([api?.kill('SIGTERM'), executor?.kill('SIGTERM')]);
    await Promise.all([mailgun?.close(), telnyx?.close(), receiver?.close()]);
    await pool?.end();
  });

  describe('7. accounts', () => {
    it('throttles sign-in per account: 429 with Retry-After after 5 failures, then a doubling back-off; unknown accounts alike, at the same cost', async () => {
      const email = emails.A.viewer;
      const statuses: number[] = [];
      const knownMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        statuses.push((await login(email, 'wrong password')).status);
        knownMs.push(Date.now() - t);
      }
      // every attempt from its own address: the account is what is throttled
      const locked = await login(email, 'wrong password');
      expect([...statuses, locked.status]).toEqual([401, 401, 401, 401, 401, 429]);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(locked.body.code).toBe('too_many_requests');
      // the right password does not get through while the account waits
      expect((await login(email, PASSWORD)).status).toBe(429);
      await sleep(Number(locked.headers.get('retry-after')) * 1000 + 100);
      expect((await login(email, 'wrong password')).status).toBe(401);
      const again = await login(email, 'wrong password');
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
      await sleep(Number(again.headers.get('retry-after')) * 1000 + 100);
      expect((await login(email, PASSWORD)).status).toBe(200);
      // the success cleared the account's failures
      expect((await login(email, 'wrong password')).status).toBe(401);

      // an account that does not exist answers the same way, after the same work
      const nobody = `nobody-${tag}@boundaries.test`;
      const unknownMs: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 6; i++) {
        const t = Date.now();
        unknown.push((await login(nobody, 'wrong password')).status);
        if (i < 5) unknownMs.push(Date.now() - t);
      }
      expect(unknown).toEqual([401, 401, 401, 401, 401, 429]);
      const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
      const ratio = median(unknownMs) / median(knownMs);
      console.log(`sign-in 401 median: known account ${median(knownMs)} ms, unknown ${median(unknownMs)} ms`);
      // a missing password hash for unknown accounts would make them ~50× faster
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);
    });

    it('throttles one address spraying many accounts, not the others', async () => {
      const address = '203.0.113.77';
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await login(`spray-${i}-${tag}@boundaries.test`, 'wrong', { 'x-forwarded-for': address })).status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses[20]).toBe(429);
      expect((await login(emails.B.viewer, PASSWORD, { 'x-forwarded-for': address })).status).toBe(429);
      expect((await login(emails.B.viewer, PASSWORD, { 'x-forwarded-for': '203.0.113.78' })).status).toBe(200);
    });

    it('keeps e-mail addresses unique whatever their case', async () => {
      const mixed = `Mixed.Case-${tag}@Boundaries.test`;
      await pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Mixed', $3, 'viewer')`, [
        orgs.A,
        mixed,
        scryptHash(PASSWORD),
      ]);
      await expect(
        pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Other', $3, 'owner')`, [
          orgs.B,
          mixed.toLowerCase(),
          scryptHash('another'),
        ]),
      ).rejects.toMatchObject({ code: '23505' });
      const r = await login(mixed.toUpperCase(), PASSWORD);
      expect([r.status, r.body.organization?.id]).toEqual([200, orgs.A]);
    });

    it('lets an owner create API keys that expire: refused with 401 from then on', async () => {
      const O = keys.A.owner;
      expect((await call(O, 'POST', '/api/api-keys', { name: 'old', role: 'viewer', expiresAt: new Date(Date.now() - 60_000).toISOString() })).status).toBe(
        400,
      );
      const expiresAt = new Date(Date.now() + 3000).toISOString();
      const created = await call(O, 'POST', '/api/api-keys', { name: 'short-lived', role: 'viewer', expiresAt });
      expect(created.status).toBe(201);
      expect(new Date(created.body.expiresAt).getTime()).toBe(new Date(expiresAt).getTime());
      expect((await call(created.body.key, 'GET', '/api/workflows')).status).toBe(200);
      const listed = (await call(O, 'GET', '/api/api-keys')).body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(new Date(listed.expiresAt).getTime()).toBe(new Date(expiresAt).getTime());
      await waitFor(async () => new Date(expiresAt).getTime() < Date.now() - 200, 10_000, 'the expiry');
      const expired = await call(created.body.key, 'GET', '/api/workflows');
      expect([expired.status, expired.body.code]).toEqual([401, 'unauthenticated']);
      // keys without expiresAt go on working
      expect((await call(keys.A.viewer, 'GET', '/api/workflows')).status).toBe(200);
    });
  });

  describe('8. cross-site requests and headers', () => {
    let workflow: string;
    const isActive = async () =>
      (await pool.query<{ is_active: boolean }>('SELECT is_active FROM automation_workflows WHERE id = $1', [workflow])).rows[0]!.is_active;

    beforeAll(async () => {
      const created = await call(keys.A.editor, 'POST', '/api/workflows', {
        name: 'CSRF target',
        definition: {
          nodes: [
            { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
            { id: 'hook', type: 'webhook', config: { url: 'https://example.com/hook' } },
          ],
          edges: [{ id: 'e1', source: 'trigger', target: 'hook' }],
        },
      });
      workflow = created.body.id;
      expect((await call(keys.A.editor, 'POST', `/api/workflows/${workflow}/publish`, { activate: true })).status).toBe(200);
    });

    it('refuses a cookie-session write from another site (text/plain included), or naming no page; same-origin and API keys go through', async () => {
      const cookie = cookies.A.editor;
      const deactivate = (headers: Record<string, string>) =>
        request(`/api/workflows/${workflow}/deactivate`, { method: 'POST', cookie, headers: { 'content-type': 'text/plain', ...headers }, raw: 'x' });
      for (const headers of [{ origin: 'https://evil.example' }, { referer: 'https://evil.example/page' }, { origin: 'null' }, {}] as Record<
        string,
        string
      >[]) {
        const r = await deactivate(headers);
        expect([JSON.stringify(headers), r.status, r.body.code]).toEqual([JSON.stringify(headers), 403, 'forbidden']);
        expect(await isActive()).toBe(true);
      }
      expect((await deactivate({ origin: base })).status).toBe(200);
      expect(await isActive()).toBe(false);
      expect(
        (await request(`/api/workflows/${workflow}/activate`, { method: 'POST', cookie, headers: { referer: `${base}/workflows/${workflow}` } })).status,
      ).toBe(200);
      expect(await isActive()).toBe(true);
      // reads are not writes; API keys carry nothing a browser adds by itself
      expect((await request(`/api/workflows/${workflow}`, { cookie, headers: { origin: 'https://evil.example' } })).status).toBe(200);
      expect(
        (await request(`/api/workflows/${workflow}/deactivate`, { method: 'POST', key: keys.A.editor, headers: { origin: 'https://evil.example' } })).status,
      ).toBe(200);
      // signing in from another site's page (login CSRF) is refused too
      expect((await login(emails.A.editor, PASSWORD, { origin: 'https://evil.example' })).status).toBe(403);
    });

    it('sends security headers on every response: CSP frame-ancestors none, X-Frame-Options DENY, nosniff', async () => {
      for (const [path, key] of [
        ['/', null],
        ['/api/auth/me', null],
        ['/api/workflows', keys.A.viewer],
        ['/docs', null],
        ['/docs/json', null],
        ['/api/no-such-route', keys.A.viewer],
      ] as const) {
        const r = await request(path, { key });
        const csp = r.headers.get('content-security-policy') ?? '';
        expect([path, r.headers.get('x-frame-options'), r.headers.get('x-content-type-options')]).toEqual([path, 'DENY', 'nosniff']);
        expect(csp).toMatch(/frame-ancestors 'none'/);
        expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
        expect(r.headers.get('referrer-policy')).toBe('same-origin');
      }
    });
  });

  describe('9. secrets in workflow definitions and dead letters', () => {
    const s = randomBytes(6).toString('hex');
    const secrets = { token: `tok-ALPHA-${s}`, header: `hdr-ALPHA-${s}`, password: `pw-ALPHA-${s}`, hook: `hook-ALPHA-${s}` };
    const leaks = (text: string, extra: string[] = []) => [...Object.values(secrets), ...extra].filter((x) => text.includes(x));
    let workflow: string;
    const definition = () => ({
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
        {
          id: 'call',
          type: 'api_call',
          config: {
            url: `${receiver.url}/call`,
            method: 'POST',
            body: '{}',
            headers: { 'X-Api-Key': secrets.header },
            auth: { type: 'bearer', token: secrets.token },
          },
        },
        {
          id: 'basic',
          type: 'api_call',
          config: { url: `${receiver.url}/basic`, method: 'GET', auth: { type: 'basic', username: 'svc', password: secrets.password } },
        },
        { id: 'hook', type: 'webhook', config: { url: `${receiver.url}/hook`, headers: { 'X-Hook-Token': secrets.hook } } },
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'call' },
        { id: 'e2', source: 'call', target: 'basic' },
        { id: 'e3', source: 'basic', target: 'hook' },
      ],
    });
    const stored = async (): Promise<string> =>
      (await pool.query<{ d: string }>('SELECT definition::text AS d FROM automation_workflows WHERE id = $1', [workflow])).rows[0]!.d;
    const storedToken = async (): Promise<string> =>
      (JSON.parse(await stored()) as { nodes: { id: string; config?: { auth?: { token?: string } } }[] }).nodes.find((n) => n.id === 'call')!.config!.auth!
        .token!;

    it('shows the secrets of api_call and webhook steps to nobody, whatever the role; they are sealed in PostgreSQL', async () => {
      const created = await call(keys.A.editor, 'POST', '/api/workflows', { name: 'Secret-bearing workflow', definition: definition() });
      expect(created.status).toBe(201);
      workflow = created.body.id;
      expect(leaks(created.text)).toEqual([]);
      const callNode = created.body.definition.nodes.find((n: { id: string }) => n.id === 'call');
      expect(callNode.config).toMatchObject({
        url: `${receiver.url}/call`,
        headers: { 'X-Api-Key': SECRET_PLACEHOLDER },
        auth: { type: 'bearer', token: SECRET_PLACEHOLDER },
      });
      for (const [who, r] of [
        ['viewer key', await call(keys.A.viewer, 'GET', `/api/workflows/${workflow}`)],
        ['editor key', await call(keys.A.editor, 'GET', `/api/workflows/${workflow}`)],
        ['owner key', await call(keys.A.owner, 'GET', `/api/workflows/${workflow}`)],
        ['viewer session', await request(`/api/workflows/${workflow}`, { cookie: cookies.A.viewer })],
      ] as const) {
        expect([who, r.status, leaks(r.text)]).toEqual([who, 200, []]);
      }
      const text = await stored();
      expect(leaks(text)).toEqual([]);
      expect(text).toContain('fxsecret:v1:');
      expect((await call(keys.B.owner, 'GET', `/api/workflows/${workflow}`)).status).toBe(404);
    });

    it('keeps a stored secret when the placeholder is saved back; an editor replaces it by typing a new one, and cannot move it to another URL', async () => {
      const shown = (await call(keys.A.editor, 'GET', `/api/workflows/${workflow}`)).body.definition;
      const before = await stored();
      const saved = await call(keys.A.editor, 'PUT', `/api/workflows/${workflow}`, { name: 'Secret-bearing workflow (renamed)', definition: shown });
      expect(saved.status).toBe(200);
      expect(await stored()).toBe(before);

      const typed = structuredClone(shown);
      typed.nodes.find((n: { id: string }) => n.id === 'call').config.auth.token = `${secrets.token}-2`;
      const replaced = await call(keys.A.editor, 'PUT', `/api/workflows/${workflow}`, { definition: typed });
      expect(replaced.status).toBe(200);
      expect(leaks(replaced.text, [`${secrets.token}-2`])).toEqual([]);
      const after = await stored();
      expect(after).not.toBe(before);
      expect(leaks(after, [`${secrets.token}-2`])).toEqual([]);
      secrets.token = `${secrets.token}-2`;

      const moved = structuredClone(shown);
      moved.nodes.find((n: { id: string }) => n.id === 'call').config.url = 'https://attacker.example/collect';
      const refused = await call(keys.A.editor, 'PUT', `/api/workflows/${workflow}`, { definition: moved });
      expect([refused.status, refused.body.code]).toEqual([422, 'invalid_workflow']);
      expect(refused.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ nodeId: 'call', path: 'config.auth.token', message: expect.stringMatching(/URL changed/) })]),
      );
      // a sealed value cannot be pasted in, and a placeholder with nothing stored keeps nothing
      const pasted = structuredClone(shown);
      pasted.nodes.find((n: { id: string }) => n.id === 'basic').config.auth.password = await storedToken();
      expect((await call(keys.A.editor, 'PUT', `/api/workflows/${workflow}`, { definition: pasted })).status).toBe(422);
      expect((await call(keys.A.editor, 'POST', '/api/workflows', { name: 'copy', definition: shown })).status).toBe(422);
      expect(await stored()).toBe(after);
      expect((await call(keys.A.viewer, 'PUT', `/api/workflows/${workflow}`, { definition: shown })).status).toBe(403);
    });

    it('publishes and runs with the real secrets (opened by the executor only); versions and execution details show none', async () => {
      const pub = await call(keys.A.editor, 'POST', `/api/workflows/${workflow}/publish`, {});
      expect(pub.status).toBe(200);
      expect(leaks(pub.text)).toEqual([]);
      const versions = await call(keys.A.viewer, 'GET', `/api/workflows/${workflow}/versions`);
      expect(versions.body.items.length).toBeGreaterThanOrEqual(1);
      expect(leaks(versions.text)).toEqual([]);
      const versionRows = (await pool.query<{ d: string }>('SELECT definition::text AS d FROM automation_workflow_versions WHERE workflow_id = $1', [workflow]))
        .rows;
      expect(versionRows.map((r) => leaks(r.d))).toEqual(versionRows.map(() => []));

      const run = await call(keys.A.editor, 'POST', `/api/workflows/${workflow}/test-run`, {});
      expect(run.status).toBe(202);
      const hits = await waitFor(
        async () => {
          const got = Object.fromEntries(receiver.received.map((r) => [r.path, r]));
          return got['/call'] && got['/basic'] && got['/hook'] ? got : null;
        },
        90_000,
        'the three requests of the test run',
      );
      expect(hits['/call']!.headers).toMatchObject({ authorization: `Bearer ${secrets.token}`, 'x-api-key': secrets.header });
      expect(hits['/basic']!.headers.authorization).toBe(`Basic ${Buffer.from(`svc:${secrets.password}`).toString('base64')}`);
      expect(hits['/hook']!.headers['x-hook-token']).toBe(secrets.hook);
      // an execution of the published version, as the metrics projection writes it: its detail shows the version's definition
      const execution = (await pool.query<{ id: string }>('SELECT gen_random_uuid() AS id')).rows[0]!.id;
      await pool.query(
        `INSERT INTO automation_execution_logs (id, organization_id, workflow_id, version_id, status, trigger_type, actions_executed, started_at) VALUES ($1, $2, $3, $4, 'completed', 'manual', '[]', now())`,
        [execution, orgs.A, workflow, pub.body.versionId],
      );
      const detail = await call(keys.A.viewer, 'GET', `/api/executions/${execution}`);
      expect(detail.status).toBe(200);
      expect(detail.body.definition.nodes).toHaveLength(4);
      expect(leaks(detail.text)).toEqual([]);
    });

    it('shows viewers dead-letter values with secret-looking fields redacted (editors keep the original to re-drive)', async () => {
      const kafka = testKafka();
      const producer = kafka.producer();
      await producer.connect();
      const value = JSON.stringify({ v: 1, organizationId: orgs.A, marker: `dlq-secret-${tag}`, password: `dlq-pass-${s}`, definition: definition() });
      await producer.send({
        topic: TOPICS.dlq,
        messages: [
          {
            key: 'k',
            value: JSON.stringify({
              v: 1,
              origin: { topic: TOPICS.commands, partition: 0, offset: '1', key: null },
              consumer: 'executor',
              reason: `test: secret-bearing ${tag}`,
              value,
              headers: { authorization: `Bearer dlq-header-${s}` },
              failedAt: new Date().toISOString(),
            }),
          },
        ],
      });
      await producer.disconnect();
      const find = async (key: string) =>
        ((await call(key, 'GET', '/api/dead-letters')).body.items as { deadLetter: { reason: string } }[]).find(
          (e) => e.deadLetter.reason === `test: secret-bearing ${tag}`,
        );
      await waitFor(() => find(keys.A.editor), 60_000, 'the dead letter');
      const forViewer = await call(keys.A.viewer, 'GET', '/api/dead-letters');
      expect(forViewer.body.redacted).toBe(true);
      expect(forViewer.text).toContain(`dlq-secret-${tag}`);
      expect(leaks(forViewer.text, [`dlq-pass-${s}`, `dlq-header-${s}`])).toEqual([]);
      const forEditor = JSON.stringify(await find(keys.A.editor));
      expect(forEditor).toContain(`dlq-pass-${s}`);
      expect((await call(keys.B.editor, 'GET', '/api/dead-letters')).text).not.toContain(`dlq-secret-${tag}`);
    });
  });

  describe('10. the outbox of the local stand-ins', () => {
    it('shows an organization only the messages it sent, and exists only outside production', async () => {
      const s = randomBytes(4).toString('hex');
      const runOne = async (org: Org, phone: string, text: string, email: string) => {
        const created = await call(keys[org].editor, 'POST', '/api/workflows', {
          name: `Outbox ${org}`,
          definition: {
            nodes: [
              { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
              { id: 'sms', type: 'send_sms', config: { to: phone, body: text } },
              { id: 'mail', type: 'send_email', config: { to: email, subject: text, text } },
            ],
            edges: [
              { id: 'e1', source: 'trigger', target: 'sms' },
              { id: 'e2', source: 'sms', target: 'mail' },
            ],
          },
        });
        expect(created.status).toBe(201);
        expect((await call(keys[org].editor, 'POST', `/api/workflows/${created.body.id}/test-run`, {})).status).toBe(202);
      };
      await runOne('A', '+15550001001', `Alpha text ${s}`, 'alpha@alpha.test');
      await runOne('B', '+15550002002', `Beta text ${s}`, 'beta@beta.test');
      const outbox = async (org: Org) =>
        (await call(keys[org].viewer, 'GET', '/api/outbox')).body as { sms: { items: { text: string }[] }; email: { items: { subject: string }[] } };
      for (const [org, own] of [
        ['A', `Alpha text ${s}`],
        ['B', `Beta text ${s}`],
      ] as const) {
        await waitFor(
          async () => {
            const o = await outbox(org);
            return o.sms.items.some((m) => m.text === own) && o.email.items.some((m) => m.subject === own);
          },
          90_000,
          `${org}'s messages in its outbox`,
        );
      }
      // both messages reached the one shared stand-in; each organization sees its own only
      expect(telnyx.received.map((m) => m.text)).toEqual(expect.arrayContaining([`Alpha text ${s}`, `Beta text ${s}`]));
      const a = await outbox('A');
      const b = await outbox('B');
      expect(JSON.stringify(a)).not.toContain('Beta text');
      expect(JSON.stringify(a)).not.toContain('beta@beta.test');
      expect(JSON.stringify(b)).not.toContain('Alpha text');
      expect(JSON.stringify(b)).not.toContain('alpha@alpha.test');

      const prod = await startService(
        'api',
        {
          NODE_ENV: 'production',
          SESSION_SECRET: randomBytes(24).toString('hex'),
          CREDENTIALS_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          UNSUBSCRIBE_SIGNING_KEY: randomBytes(24).toString('base64'),
          OUTBOX_MAILGUN_URL: mailgun.url,
          OUTBOX_TELNYX_URL: telnyx.url,
        },
        'tenant-boundaries-api-production',
      );
      try {
        await prod.waitReady(120_000);
        const r = await fetch(`http://127.0.0.1:${prod.port}/api/outbox`, { headers: { authorization: `Bearer ${keys.A.viewer}` } });
        expect([r.status, ((await r.json()) as { code: string }).code]).toEqual([404, 'not_found']);
        expect((await fetch(`http://127.0.0.1:${prod.port}/api/workflows`, { headers: { authorization: `Bearer ${keys.A.viewer}` } })).status).toBe(200);
      } finally {
        await prod.kill('SIGTERM');
      }
    });
  });

  describe('11. shared resources', () => {
    it('caps the live-feed streams of one principal (the 6th answers 429); others are not affected; a closed stream frees its place', async () => {
      const open: AbortController[] = [];
      const stream = async (auth: { key?: string; cookie?: string }): Promise<number> => {
        const c = new AbortController();
        const r = await fetch(`${base}/api/live`, {
          headers: { ...(auth.key ? { authorization: `Bearer ${auth.key}` } : {}), ...(auth.cookie ? { cookie: auth.cookie } : {}) },
          signal: c.signal,
        });
        if (r.status === 200) open.push(c);
        else await r.text();
        return r.status;
      };
      try {
        const mine: number[] = [];
        for (let i = 0; i < 6; i++) mine.push(await stream({ key: keys.A.viewer }));
        expect(mine).toEqual([200, 200, 200, 200, 200, 429]);
        const refused = await fetch(`${base}/api/live`, { headers: { authorization: `Bearer ${keys.A.viewer}` } });
        expect([refused.status, Number(refused.headers.get('retry-after')) > 0]).toEqual([429, true]);
        await refused.text();
        // another principal of the same organization, and a user's session, each have their own
        expect(await stream({ key: keys.A.editor })).toBe(200);
        expect(await stream({ cookie: cookies.A.viewer })).toBe(200);
        expect(await stream({ key: keys.B.viewer })).toBe(200);
        open.shift()!.abort();
        await waitFor(async () => (await stream({ key: keys.A.viewer })) === 200, 10_000, 'a freed place');
      } finally {
        for (const c of open) c.abort();
      }
    });

    it("keeps an organization's dead letters when another floods the buffer", async () => {
      const kafka = testKafka();
      const producer = kafka.producer();
      await producer.connect();
      const dl = (org: string, i: number) => ({
        key: 'k',
        value: JSON.stringify({
          v: 1,
          origin: { topic: TOPICS.events, partition: 0, offset: String(i), key: null },
          consumer: 'matcher',
          reason: `test: flood ${tag} ${i}`,
          value: JSON.stringify({ organizationId: org, i }),
          headers: {},
          failedAt: new Date().toISOString(),
        }),
      });
      await producer.send({ topic: TOPICS.dlq, messages: [dl(orgs.A, -1)] });
      // B floods 150 dead letters through a buffer of 100 (20 per organization)
      await producer.send({ topic: TOPICS.dlq, messages: Array.from({ length: 150 }, (_, i) => dl(orgs.B, i)) });
      await producer.disconnect();
      const reasons = async (org: Org) =>
        ((await call(keys[org].viewer, 'GET', '/api/dead-letters?limit=500')).body.items as { deadLetter: { reason: string } }[]).map(
          (e) => e.deadLetter.reason,
        );
      await waitFor(async () => (await reasons('B')).includes(`test: flood ${tag} 149`), 60_000, "B's last dead letter");
      expect(await reasons('A')).toContain(`test: flood ${tag} -1`);
      // B holds at most its share (20), newest first; B's own other dead letters (from the services,
      // arriving meanwhile) may take some of its places, never A's. The reader reads the topic from its
      // beginning: while the other partitions' older dead letters (earlier test files, many organizations)
      // still arrive, the full buffer evicts from whoever holds the most — B — down to a fair share
      const all = await reasons('B');
      expect(all.length).toBeLessThanOrEqual(20);
      const b = all.filter((r) => r.startsWith(`test: flood ${tag}`));
      expect(b.length).toBeGreaterThan(0);
      expect(b).toEqual(b.map((_, i) => `test: flood ${tag} ${149 - i}`));
    });
  });

  describe('12. malformed URLs', () => {
    it('answers malformed percent-encoding with a JSON 400, whatever the path', async () => {
      for (const [method, path] of [
        ['GET', '/api/%'],
        ['GET', '/%E0%A4%A'],
        ['GET', '/assets/%E0'],
        ['GET', '/api/workflows/%E0%A4%A'],
        ['POST', '/api/workflows/%E0%A4%A/publish'],
      ] as const) {
        const r = await request(path, { method, key: keys.A.editor, ...(method === 'POST' ? { body: {} } : {}) });
        expect([method, path, r.status, r.body.code]).toEqual([method, path, 400, 'bad_request']);
      }
    });
  });
});
