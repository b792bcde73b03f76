import { randomBytes, scryptSync } from 'node:crypto';
import type { Pool } from 'pg';
import type { z } from 'zod';
import * as C from '@fixlify/contracts';
import { TOPICS, TRIGGER_TYPES } from '@fixlify/contracts';
import { createOrganization, jsonWhere, readTopic, startService, testKafka, testPool, waitFor, type ServiceProcess, createApiKey } from '@fixlify/testing';

type Role = 'owner' | 'editor' | 'viewer';
interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
  body: any;
}

const VALID_DEFINITION = {
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
    { id: 'hook', type: 'webhook', config: { url: 'https://example.com/hook' } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'hook' }],
};

/**
 * The API on the real database and Kafka: two organizations, every endpoint tried across the
 * boundary (404, never data), clear 400s for bad bodies, roles, templates, sign-in.
 */
jest.setTimeout(300_000);

describe('API: tenant isolation, validation, roles, templates', () => {
  let pool: Pool;
  let api: ServiceProcess;
  let base: string;
  const call = async (key: string | null, method: string, path: string, body?: unknown, raw?: string): Promise<Reply> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, body: parsed };
  };
  let orgA: string;
  let orgB: string;
  const keys: Record<'A' | 'B', Record<Role, string>> = { A: {} as Record<Role, string>, B: {} as Record<Role, string> };
  let workflowA: string;
  let executionA: string;

  beforeAll(async () => {
    pool = testPool();
    api = await startService('api', {}, 'api-isolation');
    await api.waitReady(120_000);
    base = `http://127.0.0.1:${api.port}`;
    orgA = await createOrganization(pool, { name: 'Alpha Plumbing' });
    orgB = await createOrganization(pool, { name: 'Beta Electric' });
    for (const role of ['owner', 'editor', 'viewer'] as const) {
      keys.A[role] = await createApiKey(pool, orgA, role);
      keys.B[role] = await createApiKey(pool, orgB, role);
    }
    const created = await call(keys.A.editor, 'POST', '/api/workflows', { name: 'Alpha secret workflow', definition: VALID_DEFINITION });
    expect(created.status).toBe(201);
    workflowA = created.body.id;
    const pub = await call(keys.A.editor, 'POST', `/api/workflows/${workflowA}/publish`, { activate: true });
    expect(pub.status).toBe(200);
    // an execution of A, as the metrics projection would have written it
    executionA = (await pool.query<{ id: string }>('SELECT gen_random_uuid() AS id')).rows[0]!.id;
    await pool.query(
      `INSERT INTO automation_execution_logs (id, organization_id, workflow_id, version_id, status, trigger_type, actions_executed, error_message, started_at)
       VALUES ($1, $2, $3, $4, 'failed', 'manual', '[{"stepId":"hook","status":"failed"}]', 'Alpha secret error', now())`,
      [executionA, orgA, workflowA, pub.body.versionId],
    );
    await pool.query(
      `INSERT INTO automation_metrics (workflow_id, organization_id, period, period_start, total_executions, failed_executions) VALUES ($1, $2, 'hour', date_trunc('hour', now()), 1, 1)`,
      [workflowA, orgA],
    );
  });

  afterAll(async () => {
    await api?.kill('SIGTERM');
    await pool?.end();
  });

  it('answers 404 for every endpoint tried on another organization’s workflow or execution', async () => {
    const B = keys.B.owner;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/workflows/${workflowA}`],
      ['PUT', `/api/workflows/${workflowA}`, { name: 'hijacked' }],
      ['DELETE', `/api/workflows/${workflowA}`],
      ['POST', `/api/workflows/${workflowA}/validate`, {}],
      ['POST', `/api/workflows/${workflowA}/publish`, {}],
      ['GET', `/api/workflows/${workflowA}/versions`],
      ['POST', `/api/workflows/${workflowA}/activate`, {}],
      ['POST', `/api/workflows/${workflowA}/deactivate`, {}],
      ['POST', `/api/workflows/${workflowA}/trigger`, { context: {} }],
      ['POST', `/api/workflows/${workflowA}/test-run`, {}],
      ['GET', `/api/executions/${executionA}`],
      ['POST', `/api/executions/${executionA}/retry`, {}],
      ['POST', `/api/executions/${executionA}/cancel`, {}],
    ];
    for (const [method, path, body] of attempts) {
      const r = await call(B, method, path, body);
      expect([method, path, r.status, r.body.code]).toEqual([method, path, 404, 'not_found']);
      expect(JSON.stringify(r.body)).not.toMatch(/Alpha/);
    }
    // nothing changed on A's side
    const a = await call(keys.A.viewer, 'GET', `/api/workflows/${workflowA}`);
    expect(a.body).toMatchObject({ name: 'Alpha secret workflow', isActive: true, status: 'active' });
  });

  it('lists, metrics and the dead-letter browser show an organization only its own data', async () => {
    const lists = ['/api/workflows', '/api/executions', '/api/metrics/series?period=hour', '/api/metrics/summary', '/api/dead-letters'];
    for (const path of lists) {
      const r = await call(keys.B.viewer, 'GET', path);
      expect([path, r.status]).toEqual([path, 200]);
      expect(JSON.stringify(r.body)).not.toContain(workflowA);
      expect(JSON.stringify(r.body)).not.toContain(executionA);
    }
    expect((await call(keys.A.viewer, 'GET', '/api/workflows')).body.items.map((w: { id: string }) => w.id)).toContain(workflowA);
    expect((await call(keys.A.viewer, 'GET', `/api/executions?workflowId=${workflowA}&status=failed`)).body.items).toEqual([
      expect.objectContaining({ id: executionA, errorMessage: 'Alpha secret error' }),
    ]);
    const seriesA = await call(keys.A.viewer, 'GET', `/api/metrics/series?period=hour&workflowId=${workflowA}`);
    expect(seriesA.body.points).toEqual([expect.objectContaining({ total: 1, failed: 1 })]);
    const seriesB = await call(keys.B.viewer, 'GET', `/api/metrics/series?period=hour&workflowId=${workflowA}`);
    expect(seriesB.body.points).toEqual([]);
  });

  it('lets an organization browse and re-drive only its own dead letters', async () => {
    const kafka = testKafka();
    const reader = await readTopic(
      kafka,
      TOPICS.events,
      jsonWhere<{ marker?: string }>((v) => v.marker === `redrive-${process.pid}`),
      { fromBeginning: false },
    );
    const producer = kafka.producer();
    await producer.connect();
    // a manual event aimed at a workflow that does not exist: re-driving it is harmless
    const original = JSON.stringify({
      v: 1,
      organizationId: orgA,
      eventId: '00000000-0000-4000-8000-00000000dead',
      type: 'manual',
      marker: `redrive-${process.pid}`,
    });
    await producer.send({
      topic: TOPICS.dlq,
      messages: [
        {
          key: 'k',
          value: JSON.stringify({
            v: 1,
            origin: { topic: TOPICS.events, partition: 0, offset: '1', key: `${orgA}:x` },
            consumer: 'matcher',
            reason: 'test: invalid event',
            value: original,
            headers: {},
            failedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await producer.disconnect();
    const entry = await waitFor(
      async () =>
        ((await call(keys.A.viewer, 'GET', '/api/dead-letters')).body.items as { id: string; deadLetter: { reason: string } }[]).find(
          (e) => e.deadLetter.reason === 'test: invalid event',
        ),
      60_000,
      'the dead letter in the browser',
    );
    expect((await call(keys.B.viewer, 'GET', '/api/dead-letters')).body.items).toEqual([]);
    expect((await call(keys.B.editor, 'POST', `/api/dead-letters/${entry.id}/redrive`, {})).status).toBe(404);
    expect((await call(keys.A.viewer, 'POST', `/api/dead-letters/${entry.id}/redrive`, {})).status).toBe(403);
    // a reader that starts at the end of the log may join after a first re-drive: re-drive until it sees one
    await waitFor(
      async () => {
        const redriven = await call(keys.A.editor, 'POST', `/api/dead-letters/${entry.id}/redrive`, {});
        expect(redriven).toMatchObject({ status: 202, body: { topic: TOPICS.events } });
        return reader.waitFor(1, 5000).then(
          () => true,
          () => false,
        );
      },
      90_000,
      'the re-driven event on its original topic',
    );
    await reader.stop();
    // the re-drive is recorded (PostgreSQL: every API instance and a restart show it), for A only
    const listed = (await call(keys.A.viewer, 'GET', '/api/dead-letters')).body.items.find((e: { id: string }) => e.id === entry.id);
    expect(listed.redrive).toMatchObject({ count: expect.any(Number), lastBy: 'api-key:test editor' });
    expect(listed.redrive.count).toBeGreaterThanOrEqual(1);
  });

  it('rejects bad bodies with a clear 400 naming the field', async () => {
    const E = keys.A.editor;
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/workflows', {}, /name/],
      ['POST', '/api/workflows', { name: 'x', definition: { nodes: 'no', edges: [] } }, /definition\.nodes/],
      ['POST', '/api/workflows', { name: 'x', surprise: true }, /surprise|Unrecognized/i],
      ['PUT', `/api/workflows/${workflowA}`, {}, /at least one/],
      ['POST', `/api/workflows/${workflowA}/publish`, { activate: 'yes' }, /activate/],
      ['POST', `/api/workflows/${workflowA}/test-run`, { entityId: 'not-a-uuid' }, /entityId/],
      ['POST', '/api/auth/login', { email: 'nobody' }, /email/],
    ];
    for (const [method, path, body, re] of cases) {
      const r = await call(E, method, path, body);
      expect([path, r.status, r.body.code]).toEqual([path, 400, 'validation_failed']);
      expect(r.body.message).toMatch(re);
      expect(Array.isArray(r.body.details)).toBe(true);
    }
    const malformed = await call(E, 'POST', '/api/workflows', undefined, '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'bad_request', message: expect.any(String) });
    const badQuery = await call(E, 'GET', '/api/executions?status=exploded');
    expect([badQuery.status, badQuery.body.code]).toEqual([400, 'validation_failed']);
    const rate = await call(E, 'POST', '/api/templates/new-client-welcome/rate', { rating: 6 });
    expect(rate.status).toBe(400);
  });

  it('answers an invalid draft with errors that point at the step and field', async () => {
    const E = keys.A.editor;
    const draft = await call(E, 'POST', '/api/workflows', {
      name: 'Broken',
      definition: {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
          { id: 'sms', type: 'send_sms', config: { body: '' } },
        ],
        edges: [{ id: 'e1', source: 'trigger', target: 'sms' }],
      },
    });
    expect(draft.status).toBe(201);
    const v = await call(E, 'POST', `/api/workflows/${draft.body.id}/validate`, {});
    expect(v.body.ok).toBe(false);
    expect(v.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ nodeId: 'sms', path: 'config.body' })]));
    const pub = await call(E, 'POST', `/api/workflows/${draft.body.id}/publish`, {});
    expect(pub.status).toBe(422);
    expect(pub.body).toMatchObject({ code: 'invalid_workflow', details: expect.arrayContaining([expect.objectContaining({ nodeId: 'sms' })]) });
    const activate = await call(E, 'POST', `/api/workflows/${draft.body.id}/activate`, {});
    expect([activate.status, activate.body.code]).toEqual([409, 'conflict']);
  });

  it('enforces roles: viewers read, editors write, owners manage keys; no key, no data', async () => {
    expect((await call(null, 'GET', '/api/workflows')).status).toBe(401);
    expect((await call('fx_bogus000_xxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'GET', '/api/workflows')).status).toBe(401);
    const V = keys.A.viewer;
    expect((await call(V, 'GET', '/api/workflows')).status).toBe(200);
    const v = await call(V, 'GET', `/api/workflows/${workflowA}`);
    expect(v.body.webhookSecret).toBeNull();
    for (const [method, path, body] of [
      ['POST', '/api/workflows', { name: 'nope' }],
      ['PUT', `/api/workflows/${workflowA}`, { name: 'nope' }],
      ['POST', `/api/workflows/${workflowA}/publish`, {}],
      ['POST', `/api/workflows/${workflowA}/deactivate`, {}],
      ['POST', `/api/workflows/${workflowA}/trigger`, {}],
      ['POST', `/api/executions/${executionA}/retry`, {}],
      ['POST', '/api/templates/new-client-welcome/instantiate', {}],
      ['GET', '/api/api-keys', undefined],
    ] as const) {
      const r = await call(V, method, path, body);
      expect([method, path, r.status, r.body.code]).toEqual([method, path, 403, 'forbidden']);
    }
    expect((await call(keys.A.editor, 'GET', '/api/api-keys')).status).toBe(403);
    const created = await call(keys.A.owner, 'POST', '/api/api-keys', { name: 'ci', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^fx_/);
    expect((await call(created.body.key, 'GET', '/api/workflows')).status).toBe(200);
    expect((await call(keys.B.owner, 'DELETE', `/api/api-keys/${created.body.id}`)).status).toBe(404);
    expect((await call(keys.A.owner, 'DELETE', `/api/api-keys/${created.body.id}`)).status).toBe(200);
    expect((await call(created.body.key, 'GET', '/api/workflows')).status).toBe(401);
  });

  it('signs a user in with a session cookie scoped to their organization', async () => {
    const email = `owner-${process.pid}-${Date.now()}@alpha.test`;
    const salt = randomBytes(16);
    const hash = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync('s3cret-pass', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    await pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Alpha Owner', $3, 'editor')`, [orgA, email, hash]);
    expect((await call(null, 'POST', '/api/auth/login', { email, password: 'wrong' })).status).toBe(401);
    const r = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: email.toUpperCase(), password: 's3cret-pass' }),
    });
    expect(r.status).toBe(200);
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^fx_session=/);
    expect(r.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const me = await fetch(`${base}/api/auth/me`, { headers: { cookie } });
    expect(await me.json()).toMatchObject({ role: 'editor', organization: { id: orgA } });
    const wf = await fetch(`${base}/api/workflows/${workflowA}`, { headers: { cookie } });
    expect(wf.status).toBe(200);
    // a write with the session cookie names its page (browsers always send Origin on a POST)
    expect((await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(403);
    await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie, origin: base } });
    expect((await fetch(`${base}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('lists templates by category, shows one, instantiates a draft (usage +1) and rates it', async () => {
    const E = keys.A.editor;
    const all = await call(E, 'GET', '/api/templates');
    expect(all.body.items.length).toBeGreaterThanOrEqual(12);
    expect(all.body.categories.map((c: { category: string }) => c.category)).toEqual(
      expect.arrayContaining(['Appointments', 'Invoices & payments', 'Estimates', 'Clients', 'Team', 'Jobs']),
    );
    const invoices = await call(E, 'GET', `/api/templates?category=${encodeURIComponent('Invoices & payments')}`);
    expect(invoices.body.items.length).toBeGreaterThanOrEqual(4);
    expect(invoices.body.items.every((t: { category: string }) => t.category === 'Invoices & payments')).toBe(true);
    const t = await call(E, 'GET', '/api/templates/technician-on-the-way');
    expect(t.body).toMatchObject({ slug: 'technician-on-the-way', triggerType: 'job_status_changed', definition: { nodes: expect.any(Array) } });
    expect((await call(E, 'GET', '/api/templates/no-such-template')).status).toBe(404);
    const before = t.body.usageCount as number;
    const draft = await call(E, 'POST', `/api/templates/${t.body.id}/instantiate`, { name: 'Our on-the-way text' });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({
      name: 'Our on-the-way text',
      status: 'draft',
      isActive: false,
      templateId: t.body.id,
      triggerType: 'job_status_changed',
    });
    expect((await call(E, 'POST', `/api/workflows/${draft.body.id}/validate`, {})).body).toEqual({ ok: true, errors: [] });
    expect((await call(keys.B.viewer, 'GET', `/api/workflows/${draft.body.id}`)).status).toBe(404);
    const after = await call(E, 'GET', `/api/templates/${t.body.id}`);
    expect(after.body.usageCount).toBeGreaterThanOrEqual(before + 1);
    const rated = await call(E, 'POST', `/api/templates/${t.body.id}/rate`, { rating: 5 });
    expect(rated.status).toBe(200);
    expect(rated.body).toMatchObject({ myRating: 5, ratingCount: expect.any(Number) });
    // one rating per organization: rating again replaces it; another organization's rating counts
    const again = await call(keys.A.owner, 'POST', `/api/templates/${t.body.id}/rate`, { rating: 1 });
    expect(again.body.ratingCount).toBe(rated.body.ratingCount);
    const byB = await call(keys.B.editor, 'POST', `/api/templates/${t.body.id}/rate`, { rating: 4 });
    expect(byB.body.ratingCount).toBe(rated.body.ratingCount + 1);
    const stored = await pool.query(
      'SELECT organization_id, rating FROM automation_template_ratings WHERE template_id = $1 AND organization_id = ANY($2::uuid[]) ORDER BY rating',
      [t.body.id, [orgA, orgB]],
    );
    expect(stored.rows).toEqual([
      { organization_id: orgA, rating: 1 },
      { organization_id: orgB, rating: 4 },
    ]);
  });

  it('lets owners set the organization’s own provider accounts; secrets are encrypted and never shown; other organizations see nothing', async () => {
    const O = keys.A.owner;
    const put = await call(O, 'PUT', '/api/channels/telnyx', { secret: 'KEY_alpha_secret_1234', settings: { from: '+15550001111' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ provider: 'telnyx', settings: { from: '+15550001111' }, secretHint: '••••1234' });
    expect(JSON.stringify(put.body)).not.toContain('KEY_alpha_secret');
    const stored = await pool.query<{ secret_ciphertext: string }>(
      'SELECT secret_ciphertext FROM organization_channel_credentials WHERE organization_id = $1 AND provider = $2',
      [orgA, 'telnyx'],
    );
    expect(stored.rows[0]!.secret_ciphertext).toMatch(/^v1:/);
    expect(stored.rows[0]!.secret_ciphertext).not.toContain('KEY_alpha');
    const list = await call(O, 'GET', '/api/channels');
    expect(list.body.items).toEqual([expect.objectContaining({ provider: 'telnyx', secretHint: '••••1234' })]);
    expect(JSON.stringify(list.body)).not.toContain('KEY_alpha_secret');
    // other organizations: nothing to see, nothing to delete
    expect((await call(keys.B.owner, 'GET', '/api/channels')).body.items).toEqual([]);
    expect((await call(keys.B.owner, 'DELETE', '/api/channels/telnyx')).status).toBe(404);
    // owners only
    expect((await call(keys.A.editor, 'GET', '/api/channels')).status).toBe(403);
    expect((await call(keys.A.editor, 'PUT', '/api/channels/telnyx', { secret: 'x', settings: { from: '+15550001111' } })).status).toBe(403);
    // bad input: a clear 400 naming the field; unknown providers 404
    const bad = await call(O, 'PUT', '/api/channels/telnyx', { secret: 'KEY', settings: { from: '555-0101' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    expect(bad.body.message).toMatch(/settings\.from: an E\.164 number/);
    const mismatch = await call(O, 'PUT', '/api/channels/webhook', { provider: 'mailgun', secret: 'a-long-enough-secret!', settings: {} });
    expect([mismatch.status, mismatch.body.message]).toEqual([400, expect.stringMatching(/path says "webhook"/)]);
    expect((await call(O, 'PUT', '/api/channels/fax', { secret: 'x', settings: {} })).status).toBe(404);
    expect((await call(O, 'DELETE', '/api/channels/telnyx')).status).toBe(200);
    expect((await call(O, 'GET', '/api/channels')).body.items).toEqual([]);
  });

  it('serves the OpenAPI document and the catalogue', async () => {
    const doc = await call(null, 'GET', '/docs/json');
    expect(doc.body.paths['/api/workflows/{id}/publish']).toBeDefined();
    const html = await fetch(`${base}/docs`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const cat = await call(keys.A.viewer, 'GET', '/api/catalog');
    expect(cat.body.triggers).toHaveLength(TRIGGER_TYPES.length);
    expect(cat.body.actions.map((a: { type: string }) => a.type)).toContain('send_sms');
  });

  it('answers the main endpoints as the contract describes them, with the status the OpenAPI document names', async () => {
    const doc = (await call(null, 'GET', '/docs/json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    /** The answer parses with the contract's schema to exactly itself (nothing missing, of another type, or unnamed), under the documented status. */
    const answers = async (schema: z.ZodType, key: string | null, method: string, path: string, body?: unknown): Promise<Reply> => {
      const r = await call(key, method, path, body);
      // the route it is: a literal path before a parameterised one (/api/workflows/validate, not /api/workflows/{id})
      const template = Object.keys(doc.paths)
        .filter((t) => doc.paths[t]![method.toLowerCase()] && new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!))
        .sort((a, b) => a.split('{').length - b.split('{').length)[0]!;
      const documented = Object.keys(doc.paths[template]![method.toLowerCase()]!.responses).filter((s) => s !== 'default');
      expect([method, path, r.status]).toEqual([method, path, Number(documented[0])]);
      expect(schema.parse(r.body)).toEqual(r.body);
      return r;
    };
    const { owner: O, editor: E, viewer: V } = keys.A;
    await answers(C.Me, V, 'GET', '/api/auth/me');
    await answers(C.Catalog, V, 'GET', '/api/catalog');
    await answers(C.WorkflowList, V, 'GET', '/api/workflows?status=active');
    await answers(C.WorkflowDetail, E, 'GET', `/api/workflows/${workflowA}`);
    await answers(C.WorkflowDetail, V, 'GET', `/api/workflows/${workflowA}`);
    await answers(C.WorkflowVersionList, V, 'GET', `/api/workflows/${workflowA}/versions`);
    await answers(C.ValidationResult, E, 'POST', '/api/workflows/validate', { definition: { nodes: [], edges: [] } });
    const draft = await answers(C.WorkflowDetail, E, 'POST', '/api/workflows', { name: 'Contract', description: 'shape check', definition: VALID_DEFINITION });
    await answers(C.WorkflowDetail, E, 'PUT', `/api/workflows/${draft.body.id}`, { description: null });
    await answers(C.ValidationResult, E, 'POST', `/api/workflows/${draft.body.id}/validate`, {});
    await answers(C.PublishResult, E, 'POST', `/api/workflows/${draft.body.id}/publish`, {});
    await answers(C.WorkflowDetail, E, 'POST', `/api/workflows/${draft.body.id}/activate`, {});
    await answers(C.WorkflowDetail, E, 'POST', `/api/workflows/${draft.body.id}/deactivate`, {});
    await answers(C.OkResponse, E, 'DELETE', `/api/workflows/${draft.body.id}`);
    await answers(C.ExecutionList, V, 'GET', `/api/executions?workflowId=${workflowA}&limit=1`);
    // a dry run only counts (no replay service runs here); aborted at once
    const replay = await answers(C.ReplayView, E, 'POST', `/api/workflows/${workflowA}/replays`, {
      from: new Date(Date.now() - 3600_000).toISOString(),
      to: new Date().toISOString(),
    });
    await answers(C.ReplayList, V, 'GET', `/api/replays?workflowId=${workflowA}`);
    await answers(C.ReplayView, V, 'GET', `/api/replays/${replay.body.id}`);
    await answers(C.ReplayView, E, 'POST', `/api/replays/${replay.body.id}/abort`, {});
    await answers(C.MetricsSeries, V, 'GET', '/api/metrics/series?period=hour');
    await answers(C.MetricsSummary, V, 'GET', '/api/metrics/summary?period=day');
    const templates = await answers(C.TemplateList, V, 'GET', '/api/templates');
    const template = await answers(C.TemplateDetail, V, 'GET', '/api/templates/new-client-welcome');
    expect(templates.body.items.map((t: { id: string }) => t.id)).toContain(template.body.id);
    await answers(C.WorkflowDetail, E, 'POST', '/api/templates/new-client-welcome/instantiate', {});
    await answers(C.RatedTemplate, E, 'POST', '/api/templates/new-client-welcome/rate', { rating: 3 });
    await answers(C.ApiKeyList, O, 'GET', '/api/api-keys');
    const key = await answers(C.CreatedApiKey, O, 'POST', '/api/api-keys', {
      name: 'contract',
      role: 'viewer',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    await answers(C.OkResponse, O, 'DELETE', `/api/api-keys/${key.body.id}`);
    await answers(C.ChannelAccount, O, 'PUT', '/api/channels/mailgun', {
      secret: 'key-contract-0000',
      settings: { domain: 'mg.example.com', from: 'Alpha <a@example.com>' },
    });
    await answers(C.ChannelAccounts, O, 'GET', '/api/channels');
    await answers(C.OkResponse, O, 'DELETE', '/api/channels/mailgun');
    await answers(C.WebhookSecretView, O, 'GET', '/api/webhook-secret');
    await answers(C.RotatedWebhookSecret, O, 'POST', '/api/webhook-secret/rotate', { graceSeconds: 60 });
    await answers(C.WebhookSecretView, O, 'GET', '/api/webhook-secret');
    await answers(C.DeadLetterList, V, 'GET', '/api/dead-letters');
    await answers(C.DeadLetterList, E, 'GET', '/api/dead-letters');
    await answers(C.Outbox, V, 'GET', '/api/outbox');
    await answers(C.SystemStatus, V, 'GET', '/api/system/status');
    await answers(C.HealthLive, null, 'GET', '/health/live');
    await answers(C.HealthReady, null, 'GET', '/health/ready');
    await answers(C.OpenApiDocument, null, 'GET', '/docs/json');
    // a signed-in user, from sign-in to sign-out
    const email = `contract-${process.pid}-${Date.now()}@alpha.test`;
    const salt = randomBytes(16);
    const hash = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync('s3cret-pass', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    await pool.query(`INSERT INTO users (organization_id, email, name, password_hash, role) VALUES ($1, $2, 'Alpha Viewer', $3, 'viewer')`, [
      orgA,
      email,
      hash,
    ]);
    const login = await answers(C.LoginResponse, null, 'POST', '/api/auth/login', { email, password: 's3cret-pass' });
    expect(login.body.user).toMatchObject({ email, role: 'viewer' });
    await answers(C.OkResponse, null, 'POST', '/api/auth/logout', {});
  });
});
