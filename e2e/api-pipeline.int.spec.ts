import type { Pool } from 'pg';
import type { z } from 'zod';
import {
  CancelResult,
  ExecutionDetail,
  LiveEvent as LiveEventSchema,
  MetricsSeries,
  PublishResult,
  RetryResult,
  TestRunResult,
  TOPICS,
  TriggerResult,
  WorkflowDetail,
  WorkflowList,
} from '@fixlify/contracts';
import {
  createClient,
  createOrganization,
  jsonWhere,
  readTopic,
  startService,
  startTelnyxStandin,
  startWebhookReceiver,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TelnyxStandin,
  type WebhookReceiver,
  allowLoopback,
  createApiKey,
} from '@fixlify/testing';

interface LiveEvent {
  kind: string;
  executionId: string;
  workflowId: string;
  status: string;
}

/** The contract reads a real answer as it is: nothing missing or of another type, nothing it does not name. */
const conforms = (schema: z.ZodType, body: unknown): void => expect(schema.parse(body)).toEqual(body);

/** Reads an SSE stream into a list (the API's live feed). */
const openLiveFeed = async (url: string, key: string): Promise<{ events: LiveEvent[]; close: () => void }> => {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: ac.signal });
  if (res.status !== 200 || !res.body) throw new Error(`live feed answered ${res.status}`);
  const events: LiveEvent[] = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.includes('event: execution') && data) events.push(JSON.parse(data.slice(6)) as LiveEvent);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => ac.abort() };
};

/**
 * The API with the whole pipeline (ingest, matcher, executor, metrics): publish reaches the
 * matcher through CDC, a completed job sends the SMS and the live feed shows it to its organization
 * only; manual trigger, test run, retry of a failed execution, cancel of a waiting one.
 */
jest.setTimeout(300_000);

describe('API on the pipeline: publish, live feed, manual trigger, retry, cancel', () => {
  let pool: Pool;
  let telnyx: TelnyxStandin;
  let hooks: WebhookReceiver;
  const services: ServiceProcess[] = [];
  let base: string;
  let orgA: string;
  let orgB: string;
  let A: string;
  let B: string;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
  const call = async (key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, body: await r.json() };
  };
  const execution = (id: string, statuses: string[]) =>
    waitFor(
      async () => {
        const r = await call(A, 'GET', `/api/executions/${id}`);
        return r.status === 200 && statuses.includes(r.body.status) ? r.body : undefined;
      },
      90_000,
      `execution ${id} to be ${statuses.join('/')}`,
    );

  beforeAll(async () => {
    pool = testPool();
    telnyx = await startTelnyxStandin({ apiKey: 'pipeline-telnyx-key' });
    hooks = await startWebhookReceiver();
    const env = {
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(hooks),
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'pipeline-telnyx-key',
      TELNYX_FROM: '+15550100000',
    };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics', 'api'] as const) services.push(await startService(name, env, `api-pipeline-${name}`));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    base = `http://127.0.0.1:${services.find((s) => s.name === 'api')!.port}`;
    orgA = await createOrganization(pool, { name: 'Pipeline Alpha' });
    orgB = await createOrganization(pool, { name: 'Pipeline Beta' });
    A = await createApiKey(pool, orgA, 'editor');
    B = await createApiKey(pool, orgB, 'editor');
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await telnyx?.close();
    await hooks?.close();
    await pool?.end();
  });

  it('publishes through the API, the matcher starts it, the SMS goes out and only its organization sees it live', async () => {
    const client = await createClient(pool, orgA, { name: 'Grace', phone: '+15551112222' });
    const created = await call(A, 'POST', '/api/workflows', {
      name: 'Big job thank-you',
      definition: {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
          { id: 'big', type: 'condition', config: { when: { field: 'job.total', op: 'gt', value: 100 } } },
          { id: 'sms', type: 'send_sms', config: { to: '{{ client.phone }}', body: 'Thanks {{ client.name }}, "{{ job.title }}" is done.' } },
          { id: 'small', type: 'create_task', config: { title: 'Check small job {{ job.title }}' } },
        ],
        edges: [
          { id: 'e1', source: 'trigger', target: 'big' },
          { id: 'e2', source: 'big', target: 'sms', branch: 'true' },
          { id: 'e3', source: 'big', target: 'small', branch: 'false' },
        ],
      },
    });
    expect(created.status).toBe(201);
    conforms(WorkflowDetail, created.body);
    const id = created.body.id as string;
    // joins its group while the workflow is published and indexed
    const commands = await readTopic(
      testKafka(),
      TOPICS.commands,
      jsonWhere<{ kind: string; workflowId: string }>((c) => c.kind === 'start' && c.workflowId === id),
      { fromBeginning: false },
    );
    const published = await call(A, 'POST', `/api/workflows/${id}/publish`, { activate: true });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ version: 1, workflow: { isActive: true, currentVersion: 1 } });
    conforms(PublishResult, published.body);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present,
      90_000,
      'the matcher to index the workflow',
    );

    const liveA = await openLiveFeed(`${base}/api/live`, A);
    const liveB = await openLiveFeed(`${base}/api/live`, B);
    await new Promise((r) => setTimeout(r, 3000));
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title, status, total) VALUES ($1, $2, 'Replace water heater', 'completed', 1800)`, [
      orgA,
      client,
    ]);

    await commands.waitFor(1, 90_000);
    await commands.stop();
    const sms = await waitFor(async () => telnyx.received.find((m) => m.to === '+15551112222'), 90_000, 'the SMS');
    expect(sms.text).toBe('Thanks Grace, "Replace water heater" is done.');
    const done = await waitFor(async () => liveA.events.find((e) => e.workflowId === id && e.kind === 'execution_completed'), 90_000, 'the live completion');
    expect(liveA.events.filter((e) => e.executionId === done.executionId).map((e) => e.kind)).toEqual([
      'execution_started',
      'step_succeeded',
      'step_succeeded',
      'execution_completed',
    ]);
    expect(liveB.events).toEqual([]);
    for (const e of liveA.events) conforms(LiveEventSchema, e);
    liveA.close();
    liveB.close();

    const detail = await execution(done.executionId, ['completed']);
    expect(detail.steps.map((s: { stepId: string; status: string }) => [s.stepId, s.status])).toEqual([
      ['big', 'succeeded'],
      ['sms', 'succeeded'],
    ]);
    expect(detail.deliveries).toEqual([expect.objectContaining({ channel: 'sms', status: 'delivered' })]);
    conforms(ExecutionDetail, detail);
    const list = await call(A, 'GET', `/api/workflows`);
    await waitFor(
      async () =>
        ((await call(A, 'GET', '/api/workflows')).body.items as { id: string; successCount: number }[]).find((w) => w.id === id && w.successCount === 1),
      60_000,
      'the counters',
    );
    expect(list.status).toBe(200);
    conforms(WorkflowList, list.body);
    const series = await waitFor(
      async () => ((await call(A, 'GET', `/api/metrics/series?period=hour&workflowId=${id}`)).body.points as { sms: number }[]).find((p) => p.sms === 1),
      60_000,
      'the metrics',
    );
    expect(series).toMatchObject({ total: 1, successful: 1 });
    conforms(MetricsSeries, (await call(A, 'GET', `/api/metrics/series?period=hour&workflowId=${id}`)).body);
  });

  it('runs a manual workflow, retries it after a failure and cancels a waiting one', async () => {
    hooks.respondWith(400, '{"error":"not today"}');
    const created = await call(A, 'POST', '/api/workflows', {
      name: 'Manual: notify then wait',
      definition: {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
          { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/manual`, payload: '{"note":"{{ trigger.note }}"}' } },
        ],
        edges: [{ id: 'e1', source: 'trigger', target: 'hook' }],
      },
    });
    const id = created.body.id as string;
    expect((await call(A, 'POST', `/api/workflows/${id}/publish`, { activate: true })).status).toBe(200);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present,
      90_000,
      'the matcher to index the workflow',
    );
    expect((await call(B, 'POST', `/api/workflows/${id}/trigger`, { context: { note: 'x' } })).status).toBe(404);

    const run = await call(A, 'POST', `/api/workflows/${id}/trigger`, { requestId: 'req-1', context: { note: 'call me' } });
    expect(run.status).toBe(202);
    conforms(TriggerResult, run.body);
    const failed = await execution(run.body.executionId, ['failed']);
    conforms(ExecutionDetail, failed);
    expect(failed.steps.at(-1)).toMatchObject({ stepId: 'hook', status: 'failed' });
    expect(hooks.received.filter((r) => r.path === '/manual')).toHaveLength(1);
    expect((await call(B, 'POST', `/api/executions/${run.body.executionId}/retry`, {})).status).toBe(404);

    hooks.respondWith(200, '{"ok":true}');
    const retry = await call(A, 'POST', `/api/executions/${run.body.executionId}/retry`, {});
    expect(retry).toMatchObject({ status: 202, body: { cursor: 'hook' } });
    conforms(RetryResult, retry.body);
    const completed = await execution(run.body.executionId, ['completed']);
    expect(completed.steps.at(-1)).toMatchObject({ stepId: 'hook', status: 'succeeded' });
    expect(JSON.parse(hooks.received.filter((r) => r.path === '/manual').at(-1)!.body)).toEqual({ note: 'call me' });
    expect((await call(A, 'POST', `/api/executions/${run.body.executionId}/retry`, {})).status).toBe(409);

    // a draft with a long delay, test-run with sample data, then cancelled while it waits
    const waiting = await call(A, 'POST', '/api/workflows', {
      name: 'Wait a day',
      definition: {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed' } },
          { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 86_400 } },
          { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/late` } },
        ],
        edges: [
          { id: 'e1', source: 'trigger', target: 'wait' },
          { id: 'e2', source: 'wait', target: 'hook' },
        ],
      },
    });
    const test = await call(A, 'POST', `/api/workflows/${waiting.body.id}/test-run`, { after: { title: 'Sample job', status: 'completed', total: 10 } });
    expect(test).toMatchObject({ status: 202, body: { filterMatched: true } });
    conforms(TestRunResult, test.body);
    const w = await execution(test.body.executionId, ['waiting']);
    expect(w).toMatchObject({ testRun: true, pendingTimers: [expect.objectContaining({ reason: 'delay' })] });
    conforms(ExecutionDetail, w);
    const cancel = await call(A, 'POST', `/api/executions/${test.body.executionId}/cancel`, {});
    expect(cancel.status).toBe(202);
    conforms(CancelResult, cancel.body);
    await execution(test.body.executionId, ['cancelled']);
    expect(hooks.received.filter((r) => r.path === '/late')).toHaveLength(0);
  });
});
