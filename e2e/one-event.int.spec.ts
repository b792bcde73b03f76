import type { Pool } from 'pg';
import {
  createActiveWorkflow,
  createClient,
  createOrganization,
  startOtlpCollector,
  startService,
  startWebhookReceiver,
  type OtlpCollector,
  testPool,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
  allowLoopback,
  setWebhookSigningSecret,
} from '@fixlify/testing';

/**
 * The thinnest real path through all four services: a job row inserted in PostgreSQL →
 * Debezium → ingest (job_created) → matcher → executor (webhook) → metrics (execution log),
 * with the services exporting their spans to a local OTLP collector endpoint.
 */
describe('one event, end to end', () => {
  let pool: Pool;
  let receiver: WebhookReceiver;
  let collector: OtlpCollector;
  let webhookRequest: WebhookReceiver['received'][number] | undefined;
  let orgId = '';
  const services: ServiceProcess[] = [];
  const secret = 'e2e-webhook-signing-secret';

  beforeAll(async () => {
    pool = testPool();
    receiver = await startWebhookReceiver();
    collector = await startOtlpCollector();
    const env = { OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver), OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `e2e-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await collector?.close();
    await pool?.end();
  });

  it('a committed job insert fires the workflow webhook once and is logged as completed', async () => {
    const org = await createOrganization(pool, { name: 'E2E Plumbing' });
    orgId = org;
    await setWebhookSigningSecret(pool, org, secret);
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
    const job = await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Replace boiler') RETURNING id`, [
      org,
      client,
    ]);

    const req = await waitFor(async () => receiver.received.find((r) => r.path === '/hooks/job'), 60_000, 'the webhook');
    webhookRequest = req;
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
        const r = await pool.query<{ execution_count: number; success_count: number }>(
          'SELECT execution_count, success_count FROM automation_workflows WHERE id = $1',
          [wf.workflowId],
        );
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

  it('one trace follows the event from the CDC row through ingest, matcher and executor to the delivery', async () => {
    expect(webhookRequest).toBeDefined();
    // the delivery span of this organization's webhook, exported by the executor
    const delivery = await waitFor(
      async () => collector.spans.find((s) => s.name === 'deliver webhook' && s.attributes['fixlify.organization_id'] === orgId),
      30_000,
      'the executor to export the delivery span',
    );
    const trace = () => collector.spans.filter((s) => s.traceId === delivery.traceId);
    const byId = () => new Map(trace().map((s) => [s.spanId, s]));
    // walk up from the delivery to the root: every hop exported by its own service, each the parent of the next
    const chain = await waitFor(
      async () => {
        const spans = byId();
        const path = [delivery];
        for (let s = delivery; s.parentSpanId;) {
          const parent = spans.get(s.parentSpanId);
          if (!parent) return undefined;
          path.unshift(parent);
          s = parent;
        }
        return path;
      },
      30_000,
      'every span from the CDC row to the delivery',
    );
    expect(chain.map((s) => [s.service, s.name])).toEqual([
      ['fixlify-ingest', 'ingest event job_created'],
      ['fixlify-matcher', 'matcher process'],
      ['fixlify-executor', 'executor process'],
      ['fixlify-executor', 'deliver webhook'],
    ]);
    expect(chain[0]!.attributes).toMatchObject({ 'messaging.destination.name': expect.stringMatching(/\.public\.jobs$/), 'fixlify.organization_id': orgId });
    expect(chain[1]!.attributes).toMatchObject({ 'messaging.destination.name': 'automation.events.v1', 'fixlify.organization_id': orgId });
    expect(chain[2]!.attributes['fixlify.execution_id']).toBe(delivery.attributes['fixlify.execution_id']);
    expect(delivery.attributes['fixlify.delivery']).toBe('delivered');
    // the webhook carries the delivery span on as its W3C traceparent
    expect(webhookRequest!.headers.traceparent).toBe(`00-${delivery.traceId}-${delivery.spanId}-01`);
    // the projector's spans of the step results join the same trace, children of the executor's span
    const projected = await waitFor(async () => trace().find((s) => s.service === 'fixlify-metrics'), 30_000, 'the metrics span in the trace');
    expect(projected.parentSpanId).toBe(chain[2]!.spanId);
  });
});
