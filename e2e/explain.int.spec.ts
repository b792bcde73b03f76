import type { Pool } from 'pg';
import { Explanation, ReplayView } from '@fixlify/contracts';
import {
  allowLoopback,
  createActiveWorkflow,
  createClient,
  createOrganization,
  setWebhookSigningSecret,
  startService,
  startWebhookReceiver,
  testPool,
  waitFor,
  type ServiceProcess,
  type WebhookReceiver,
  createApiKey,
  runCli,
} from '@fixlify/testing';

/**
 * "Why did or didn't this fire?" and the replay CLI, on the whole pipeline: a job the filter rejects
 * and one it accepts go through CDC, the matcher and the executor; the explanation, read back from
 * the log, says which started (with the execution) and why the other did not (the field and its
 * value), and that a workflow published afterwards did not exist yet; `npx fixlify replay` (a dry run
 * through the API and the replay service) then finds the started one already executed.
 */
describe('why did or didn’t this fire, and the replay CLI', () => {
  let pool: Pool;
  let receiver: WebhookReceiver;
  const services: ServiceProcess[] = [];
  let api = '';
  let key = '';
  let org = '';
  const started = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    pool = testPool();
    receiver = await startWebhookReceiver();
    const env = { OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver) };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics', 'replay', 'api'] as const) services.push(await startService(name, env, `explain-${name}`));
    await Promise.all(services.map((s) => s.waitReady(120_000)));
    api = `http://127.0.0.1:${services.find((s) => s.name === 'api')!.port}`;
    // no other test's unfinished replay is runnable by this test's runner
    await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await receiver?.close();
    await pool?.end();
  });

  it('explains a start and a filter that failed, from the log; the CLI dry run finds what already ran', async () => {
    org = await createOrganization(pool, { name: 'Explain Heating' });
    key = await createApiKey(pool, org);
    await setWebhookSigningSecret(pool, org, 'explain-webhook-signing-secret-01');
    const client = await createClient(pool, org, { name: 'Ada' });
    const wf = await createActiveWorkflow(
      pool,
      org,
      {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'boiler' } } },
          { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/explain`, payload: '{"job":"{{ job.title }}"}' } },
        ],
        edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
      },
      'Boiler follow-up',
    );
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
      60_000,
      'the matcher to index the workflow',
    );
    const fence = (
      await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Fence repair') RETURNING id`, [org, client])
    ).rows[0]!.id;
    const boiler = (
      await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Replace boiler') RETURNING id`, [org, client])
    ).rows[0]!.id;
    await waitFor(async () => receiver.received.find((r) => r.path === '/hooks/explain'), 60_000, 'the webhook of the boiler job');
    // a workflow published after the events: it did not exist when they happened
    await new Promise((r) => setTimeout(r, 1000));
    await createActiveWorkflow(
      pool,
      org,
      {
        nodes: [
          { id: 'trigger', type: 'trigger', trigger: { type: 'job_created' } },
          { id: 'notify', type: 'webhook', config: { url: `${receiver.url}/hooks/late`, payload: '{}' } },
        ],
        edges: [{ id: 'e1', source: 'trigger', target: 'notify' }],
      },
      'Late workflow',
    );

    const explain = async (entityId: string): Promise<Explanation> => {
      const qs = new URLSearchParams({ entityType: 'job', entityId, from: started.toISOString() });
      const res = await fetch(`${api}/api/explain?${qs.toString()}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      return Explanation.parse(await res.json());
    };
    const rejected = await waitFor(
      async () => {
        const e = await explain(fence);
        return e.events.length > 0 ? e : null;
      },
      30_000,
      'the fence job in the log',
    );
    expect(rejected.events.map((e) => e.type)).toEqual(['job_created']);
    const byName = (e: Explanation['events'][number], name: string) => e.workflows.find((w) => w.workflowName === name)!;
    expect(byName(rejected.events[0]!, 'Boiler follow-up')).toMatchObject({
      outcome: 'not_started',
      reason: 'filter',
      failed: { field: 'after.title', op: 'contains', expected: 'boiler', actual: 'Fence repair' },
      executionId: null,
    });
    expect(byName(rejected.events[0]!, 'Late workflow')).toMatchObject({ outcome: 'not_started', reason: 'not_published_yet' });

    const accepted = await explain(boiler);
    const verdict = byName(accepted.events[0]!, 'Boiler follow-up');
    expect(verdict).toMatchObject({ outcome: 'started', reason: null, version: 1 });
    const exec = await pool.query<{ id: string }>(`SELECT id FROM automation_executions WHERE workflow_id = $1`, [wf.workflowId]);
    expect(exec.rows.map((r) => r.id)).toEqual([verdict.executionId]);

    // another organization's key cannot ask about this record
    const otherKey = await createApiKey(pool, await createOrganization(pool, { name: 'Explain Stranger' }));
    const foreign = await fetch(`${api}/api/explain?${new URLSearchParams({ entityType: 'job', entityId: boiler, from: started.toISOString() }).toString()}`, {
      headers: { authorization: `Bearer ${otherKey}` },
    });
    expect(foreign.status).toBe(404);

    // the CLI: a dry run of the last hour through the API and the replay service
    const run = await runCli(['replay', '--workflow', wf.workflowId, '--from', started.toISOString()], { FIXLIFY_API_URL: api, FIXLIFY_API_KEY: key });
    expect(run.out).toContain('dry run');
    expect(run.code).toBe(0);
    const id = /replay ([0-9a-f-]{36})/.exec(run.out)![1]!;
    const replay = ReplayView.parse(await (await fetch(`${api}/api/replays/${id}`, { headers: { authorization: `Bearer ${key}` } })).json());
    expect(replay).toMatchObject({
      status: 'completed',
      mode: 'dry_run',
      counts: { matched: 1, started: 0, skipped: { already_executed: 1 }, notMatched: { filter: 1 } },
    });
    expect(run.out).toMatch(/skipped: already executed\s*│?\s*1/);
    // a usage error is named, with exit code 2
    const bad = await runCli(['replay', '--workflow', wf.workflowId], { FIXLIFY_API_URL: api, FIXLIFY_API_KEY: key });
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--from <time> is required');
  });
});
