import type { Pool } from 'pg';
import {
  createActiveWorkflow,
  createClient,
  createOrganization,
  startService,
  startWebhookReceiver,
  testPool,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
} from '@fixlify/testing';

/**
 * The thinnest real path through all four services: a job row inserted in PostgreSQL →
 * Debezium → ingest (job_created) → matcher → executor (webhook) → metrics (execution log).
 */
describe('one event, end to end', () => {
  let pool: Pool;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const secret = 'e2e-webhook-signing-secret';

  beforeAll(async () => {
    pool = testPool();
    receiver = await startWebhookReceiver();
    const env = { OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_SIGNING_SECRET: secret };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `e2e-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await pool?.end();
  });

  it('a committed job insert fires the workflow webhook once and is logged as completed', async () => {
    const org = await createOrganization(pool, { name: 'E2E Plumbing' });
    const client = await createClient(pool, org, { name: 'Grace' });
    const wf = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'boiler' } } },
        { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/job`, payload: '{"job":"{{ job.title }}","client":"{{ client.name }}"}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
    });
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`);
        return ((await r.json()) as { present: boolean }).present;
      },
      60_000,
      'the matcher to know the published workflow',
    );

    // a job that the filter rejects, then one it accepts
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Fence repair')`, [org, client]);
    const committedAt = Date.now();
    const job = await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Replace boiler') RETURNING id`, [org, client]);

    const req = await waitFor(async () => receiver.received.find((r) => r.path === '/hooks/job'), 60_000, 'the webhook');
    const latencyMs = new Date(req.receivedAt).getTime() - committedAt;
    console.log(JSON.stringify({ measure: 'commit_to_webhook_ms', value: latencyMs }));
    expect(JSON.parse(req.body)).toEqual({ job: 'Replace boiler', client: 'Grace' });
    expect(receiver.verify(req, secret)).toBe(true);
    expect(req.idempotencyKey).toMatch(/^[0-9a-f-]{36}:notify$/);

    const log = await waitFor(
      async () => {
        const r = await pool.query<{ status: string; trigger_type: string; actions_executed: { stepId: string; status: string }[] }>(
          `SELECT status, trigger_type, actions_executed FROM automation_execution_logs WHERE workflow_id = $1 AND status IN ('completed','failed')`,
          [wf.workflowId],
        );
        return r.rows[0];
      },
      60_000,
      'the execution log',
    );
    expect(log.status).toBe('completed');
    expect(log.trigger_type).toBe('job_created');
    expect(log.actions_executed.map((a) => [a.stepId, a.status])).toEqual([['notify', 'succeeded']]);

    const counters = await waitFor(
      async () => {
        const r = await pool.query<{ execution_count: number; success_count: number }>('SELECT execution_count, success_count FROM automation_workflows WHERE id = $1', [wf.workflowId]);
        return r.rows[0]?.success_count === 1 ? r.rows[0] : undefined;
      },
      30_000,
      'the workflow counters',
    );
    expect(counters.execution_count).toBe(1);
    // the filtered-out job started nothing, and the webhook went out exactly once
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received.filter((r) => r.path === '/hooks/job')).toHaveLength(1);
    expect(job.rows[0]!.id).toBeTruthy();
  });
});
