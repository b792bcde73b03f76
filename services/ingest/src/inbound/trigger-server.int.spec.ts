import type { Pool } from 'pg';
import { signWebhook } from '@fixlify/channels';
import { DomainEvent, TOPICS, TriggerAccepted, TriggerError, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { createLogger } from '@fixlify/kafka';
import { setWorkflowActive } from '@fixlify/db';
import { createActiveWorkflow, createOrganization, jsonWhere, tailTopic, testKafka, testPool } from '@fixlify/testing';
import { createEventEmitter, type EventEmitter } from '../emit/event-emitter';
import { startTriggerServer, type TriggerServer } from './trigger-server';

/** The trigger endpoints in-process, on the real database and broker; two instances share replay memory. */
const log = createLogger('inbound-test');
log.level = 'warn';

const def = (type: 'manual' | 'webhook' | 'job_created'): WorkflowDefinitionInput => ({
  nodes: [
    { id: 'trigger', type: 'trigger', trigger: { type } },
    { id: 'task', type: 'create_task', config: { title: 'inbound' } },
  ],
  edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
});

jest.setTimeout(180_000);

describe('trigger endpoints (real PostgreSQL and Kafka)', () => {
  let pool: Pool;
  let emitter: EventEmitter;
  let a: TriggerServer;
  let b: TriggerServer;
  let org: string;
  let manualWf: string;
  let hookWf: string;
  let hookSecret: string;
  let jobWf: string;
  const workflows: [string, string][] = [];

  const post = async (
    server: TriggerServer,
    path: string,
    body: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown }> => {
    const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    return { status: r.status, json: await r.json() };
  };
  const signed = (body: string, t = Math.floor(Date.now() / 1000), secret = hookSecret) => ({ 'fixlify-signature': signWebhook(secret, body, t) });

  beforeAll(async () => {
    pool = testPool();
    emitter = await createEventEmitter(testKafka());
    const opts = { pool, emitter, log, port: 0, host: '127.0.0.1', toleranceSeconds: 300, maxBodyBytes: 256 * 1024, activationGraceMs: 0 };
    a = await startTriggerServer(opts);
    b = await startTriggerServer(opts);
    org = await createOrganization(pool, { name: 'Inbound test' });
    manualWf = (await createActiveWorkflow(pool, org, def('manual'))).workflowId;
    hookWf = (await createActiveWorkflow(pool, org, def('webhook'))).workflowId;
    jobWf = (await createActiveWorkflow(pool, org, def('job_created'))).workflowId;
    for (const w of [manualWf, hookWf, jobWf]) workflows.push([w, org]);
    hookSecret = (await pool.query<{ webhook_secret: string }>('SELECT webhook_secret FROM automation_workflows WHERE id = $1', [hookWf])).rows[0]!
      .webhook_secret;
  });

  afterAll(async () => {
    for (const [workflowId, organizationId] of workflows) await setWorkflowActive(pool, { workflowId, organizationId, active: false });
    await a?.close();
    await b?.close();
    await emitter?.stop();
    await pool?.end();
  });

  it('serves no manual trigger: POST /triggers/manual, from loopback and naming an organization, is 404 and emits nothing', async () => {
    const tail = await tailTopic(
      testKafka(),
      TOPICS.events,
      jsonWhere<DomainEvent>((e) => e.workflowId === manualWf),
    );
    try {
      await tail.ready;
      // what started another organization's workflow before: no token on loopback, the organization from the body
      for (const headers of [{}, { authorization: 'Bearer anything-at-all-0123456789' }] as Record<string, string>[]) {
        const r = await post(a, '/triggers/manual', JSON.stringify({ organizationId: org, workflowId: manualWf, requestId: 'req-1', context: {} }), headers);
        expect([r.status, TriggerError.parse(r.json).error]).toEqual([404, 'not_found']);
      }
      await new Promise((r) => setTimeout(r, 1500));
      expect(tail.seen).toEqual([]);
    } finally {
      await tail.stop();
    }
  });

  it('webhook: a signed request is accepted once; its replay, on any instance, is 409', async () => {
    const body = JSON.stringify({ order: 42, status: 'paid' });
    const headers = signed(body);
    const first = await post(a, `/hooks/${hookWf}`, body, headers);
    expect(first.status).toBe(202);
    expect(TriggerAccepted.parse(first.json).workflowId).toBe(hookWf);
    const again = await post(b, `/hooks/${hookWf}`, body, headers);
    expect([again.status, (again.json as TriggerError).error]).toEqual([409, 'replayed']);
    const sameInstance = await post(a, `/hooks/${hookWf}`, body, headers);
    expect(sameInstance.status).toBe(409);
  });

  it('webhook: a redelivery with a fresh signature and the same Idempotency-Key is the same event', async () => {
    const body = JSON.stringify({ order: 43 });
    const now = Math.floor(Date.now() / 1000);
    const x = await post(a, `/hooks/${hookWf}`, body, { ...signed(body, now - 5), 'idempotency-key': 'delivery-43' });
    const y = await post(b, `/hooks/${hookWf}`, body, { ...signed(body, now), 'idempotency-key': 'delivery-43' });
    expect([x.status, y.status]).toEqual([202, 202]);
    expect((x.json as TriggerAccepted).eventId).toBe((y.json as TriggerAccepted).eventId);
  });

  it('webhook: unsigned, badly signed, stale, unknown, inactive, not JSON, too large', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const code = async (path: string, b2: string | Buffer, headers: Record<string, string>) => {
      const r = await post(a, path, b2, headers);
      return [r.status, (r.json as TriggerError).error];
    };
    expect(await code(`/hooks/${hookWf}`, body, {})).toEqual([401, 'signature_missing']);
    expect(await code(`/hooks/${hookWf}`, body, { 'fixlify-signature': 'sha256=abc' })).toEqual([401, 'signature_malformed']);
    expect(await code(`/hooks/${hookWf}`, body, signed(body, undefined, 'not-the-secret'))).toEqual([401, 'signature_mismatch']);
    expect(await code(`/hooks/${hookWf}`, body, signed(`${body} `))).toEqual([401, 'signature_mismatch']);
    expect(await code(`/hooks/${hookWf}`, body, signed(body, Math.floor(Date.now() / 1000) - 301))).toEqual([401, 'signature_stale']);
    expect(await code(`/hooks/${jobWf}`, body, signed(body))).toEqual([404, 'not_found']);
    expect(await code('/hooks/00000000-0000-4000-8000-000000000000', body, signed(body))).toEqual([404, 'not_found']);
    expect(await code('/hooks/not-a-uuid', body, signed(body))).toEqual([404, 'not_found']);
    // malformed percent-encoding is the caller's mistake, not an outage
    expect(await code('/hooks/%E0%A4%A', body, signed(body))).toEqual([400, 'invalid_path']);
    expect(await code('/hooks/%', body, {})).toEqual([400, 'invalid_path']);
    expect(await code(`/hooks/${hookWf}`, 'not json', signed('not json'))).toEqual([400, 'invalid_body']);
    const big = JSON.stringify({ pad: 'x'.repeat(256 * 1024) });
    expect(await code(`/hooks/${hookWf}`, big, signed(big))).toEqual([413, 'body_too_large']);
    const r = await fetch(`http://127.0.0.1:${a.port}/hooks/${hookWf}`);
    expect(r.status).toBe(405);
    const other = (await createActiveWorkflow(pool, org, def('webhook'))).workflowId;
    await setWorkflowActive(pool, { workflowId: other, organizationId: org, active: false });
    expect(await code(`/hooks/${other}`, body, signed(body))).toEqual([404, 'not_found']);
  });
});
