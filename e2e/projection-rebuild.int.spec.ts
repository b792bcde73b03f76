import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS, type StepResult, type WorkflowDefinitionInput } from '@fixlify/contracts';
import {
  REPO_ROOT,
  createActiveWorkflow,
  createOrganization,
  jsonWhere,
  startService,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
  type WebhookReceiver,
  allowLoopback,
} from '@fixlify/testing';

/**
 * A real run through all four services, with retries, a give-up, a delay and a condition: the
 * projection holds what the step results say, and rebuilding from the topic gives the same rows.
 *
 * The step-results topic is shared with every other test, so this test's projector writes into a
 * scratch schema of its own (METRICS_SCHEMA) and the rebuild into another one; both are compared
 * on this test's organization only. Nothing touches the public projection.
 */
jest.setTimeout(480_000);

type End = Extract<StepResult, { kind: 'execution_completed' | 'execution_failed' }>;
type Row = Record<string, unknown>;

/** Every projected row of one organization in a projection schema, timestamps as ISO strings, sorted. */
const snapshot = async (pool: Pool, schema: string, org: string): Promise<{ logs: Row[]; metrics: Row[]; counters: Row[] }> => {
  const plain = (r: Row): Row => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
  const q = async (sql: string) => (await pool.query(sql, [org])).rows.map(plain);
  return {
    logs: await q(`SELECT * FROM "${schema}".automation_execution_logs WHERE organization_id = $1 ORDER BY id`),
    metrics: await q(`SELECT * FROM "${schema}".automation_metrics WHERE organization_id = $1 ORDER BY workflow_id, period, period_start`),
    counters: await q(`SELECT * FROM "${schema}".automation_workflow_counters WHERE organization_id = $1 ORDER BY workflow_id`),
  };
};

describe('projection after a real run, and its rebuild', () => {
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const live = `t_run_live_${tag}`;
  const rebuilt = `t_run_rebuilt_${tag}`;
  let pool: Pool;
  let kafka: Kafka;
  let results: TopicTail<StepResult>;
  let flaky: WebhookReceiver;
  let ok: WebhookReceiver;
  let broken: WebhookReceiver;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    [flaky, ok, broken] = await Promise.all([startWebhookReceiver(), startWebhookReceiver(), startWebhookReceiver()]);
    broken.respondWith(500, '{"error":"down"}');
    results = await tailTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>(() => true),
    );
    const env = { OUTBOUND_ALLOWED_HOSTS: allowLoopback(flaky, ok, broken), EXECUTOR_TIMER_POLL_MS: '50', METRICS_SCHEMA: live };
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `projection-run-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(90_000)), results.ready]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await Promise.all([flaky, ok, broken].map((r) => r?.close()));
    for (const schema of [live, rebuilt]) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool?.end();
  });

  const publish = async (org: string, def: WorkflowDefinitionInput): Promise<string> => {
    const wf = await createActiveWorkflow(pool, org, def);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
      60_000,
      'the matcher to know the workflow',
    );
    return wf.workflowId;
  };
  const onJob = (title: string) => ({
    id: 't',
    type: 'trigger' as const,
    trigger: { type: 'job_created' as const, filter: { field: 'after.title', op: 'eq' as const, value: title } },
  });
  const fast = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 200 };

  it('projects retries, a give-up, a delay and a condition as the step results say, and a rebuild gives the same rows', async () => {
    const org = await createOrganization(pool, { name: 'Projection run' });
    const wfRetry = await publish(org, {
      nodes: [onJob('proj-retry'), { id: 'hook', type: 'webhook', config: { url: `${flaky.url}/flaky` }, retry: fast }],
      edges: [{ id: 'e', source: 't', target: 'hook' }],
    });
    const wfDelay = await publish(org, {
      nodes: [
        onJob('proj-delay'),
        { id: 'check', type: 'condition', config: { when: { field: 'job.title', op: 'contains', value: 'delay' } } },
        { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 2 } },
        { id: 'hook', type: 'webhook', config: { url: `${ok.url}/after-delay` } },
      ],
      edges: [
        { id: 'e1', source: 't', target: 'check' },
        { id: 'e2', source: 'check', target: 'wait', branch: 'true' },
        { id: 'e3', source: 'wait', target: 'hook' },
      ],
    });
    const wfFail = await publish(org, {
      nodes: [onJob('proj-fail'), { id: 'hook', type: 'webhook', config: { url: `${broken.url}/down` }, retry: { ...fast, maxAttempts: 2 } }],
      edges: [{ id: 'e', source: 't', target: 'hook' }],
    });
    flaky.failNext(2, 503);
    for (const title of ['proj-retry', 'proj-delay', 'proj-fail']) await pool.query(`INSERT INTO jobs (organization_id, title) VALUES ($1, $2)`, [org, title]);

    const mine = () => results.seen.filter((r) => r.organizationId === org);
    await results.until(
      (rs) => rs.filter((r) => r.organizationId === org && (r.kind === 'execution_completed' || r.kind === 'execution_failed')).length === 3,
      240_000,
      'three executions to end',
    );
    const ofWf = (w: string) => mine().filter((r) => r.workflowId === w);
    const end = (w: string) => ofWf(w).find((r): r is End => r.kind === 'execution_completed' || r.kind === 'execution_failed')!;

    // the live projection catches up: every execution at its last seq
    const lastSeq = new Map<string, number>();
    for (const r of mine()) lastSeq.set(r.executionId, Math.max(lastSeq.get(r.executionId) ?? -1, r.seq));
    await waitFor(
      async () => {
        const rows = await pool.query<{ id: string; last_seq: number }>(
          `SELECT id, last_seq FROM "${live}".automation_execution_logs WHERE organization_id = $1`,
          [org],
        );
        return rows.rows.length === lastSeq.size && rows.rows.every((r) => r.last_seq === lastSeq.get(r.id));
      },
      60_000,
      'the projection of the three executions',
    );
    const row = async (w: string) =>
      (await pool.query(`SELECT * FROM "${live}".automation_execution_logs WHERE workflow_id = $1`, [w])).rows[0] as Record<string, unknown> & {
        actions_executed: { stepId: string; status: string; attempt: number; durationMs: number; error?: { message: string } }[];
      };

    // what the step results say, field by field
    for (const w of [wfRetry, wfDelay, wfFail]) {
      const rs = ofWf(w);
      const started = rs.find((r) => r.kind === 'execution_started')!;
      const e = end(w);
      const steps = rs.filter(
        (r): r is Extract<StepResult, { kind: 'step_succeeded' | 'step_failed' }> => r.kind === 'step_succeeded' || r.kind === 'step_failed',
      );
      const got = await row(w);
      expect(got.status).toBe(e.kind === 'execution_completed' ? 'completed' : 'failed');
      expect((got.started_at as Date).toISOString()).toBe(started.at);
      expect((got.created_at as Date).toISOString()).toBe(started.at);
      expect((got.completed_at as Date).toISOString()).toBe(e.at);
      expect((got.updated_at as Date).toISOString()).toBe(e.at);
      expect(got.execution_time_ms).toBe(Math.round(e.durationMs));
      expect(got.trigger_type).toBe('job_created');
      expect(got.retry_count).toBe(steps.filter((s) => s.kind === 'step_failed' && s.retryAt).length);
      expect(got.actions_executed.map((a) => [a.stepId, a.status, a.attempt, a.durationMs])).toEqual(
        steps.map((s) => [s.stepId, s.kind === 'step_succeeded' ? 'succeeded' : s.retryAt ? 'retrying' : 'failed', s.attempt, s.durationMs]),
      );
    }
    // the receiver failed twice; how many attempts that took is the executor's business (a slow
    // attempt may time out): the projection shows retries, then the success
    const retried = (await row(wfRetry)).actions_executed.map((a) => a.status);
    expect(retried[retried.length - 1]).toBe('succeeded');
    expect(retried.slice(0, -1).length).toBeGreaterThanOrEqual(1);
    expect(retried.slice(0, -1).every((st) => st === 'retrying')).toBe(true);
    expect((await row(wfDelay)).actions_executed.map((a) => a.stepId)).toEqual(['check', 'wait', 'hook']);
    expect(ofWf(wfDelay).some((r) => r.kind === 'execution_waiting')).toBe(true);
    const failed = await row(wfFail);
    expect(failed.retry_count).toBe(1);
    expect(failed.error_message).toMatch(/gave up after 2 attempts/);

    const metrics = await pool.query<{
      workflow_id: string;
      total_executions: number;
      successful_executions: number;
      failed_executions: number;
      webhooks_sent: number;
      avg_execution_time_ms: number;
    }>(`SELECT * FROM "${live}".automation_metrics WHERE organization_id = $1 AND period = 'day'`, [org]);
    const day = (w: string) => metrics.rows.find((m) => m.workflow_id === w)!;
    expect(day(wfRetry)).toMatchObject({
      total_executions: 1,
      successful_executions: 1,
      failed_executions: 0,
      webhooks_sent: 1,
      avg_execution_time_ms: Math.round(end(wfRetry).durationMs),
    });
    expect(day(wfDelay)).toMatchObject({ total_executions: 1, successful_executions: 1, webhooks_sent: 1 });
    expect(day(wfFail)).toMatchObject({ total_executions: 1, failed_executions: 1, webhooks_sent: 0 });

    const hours = await pool.query(
      `SELECT count(*)::int AS n, sum(total_executions)::int AS total FROM "${live}".automation_metrics WHERE organization_id = $1 AND period = 'hour'`,
      [org],
    );
    expect(hours.rows[0]!.total).toBe(3);
    const before = await snapshot(pool, live, org);
    expect(before.counters.map((c) => [c.workflow_id, c.execution_count, c.success_count, c.failure_count]).sort()).toEqual(
      [
        [wfRetry, 1, 1, 0],
        [wfDelay, 1, 1, 0],
        [wfFail, 1, 0, 1],
      ].sort(),
    );

    // the rebuild command replays the whole shared topic into its own schema
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'services/metrics/src/rebuild.ts', '--schema', rebuilt], {
      cwd: REPO_ROOT,
      env: process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { rebuild: string; results: number; resultsPerSecond: number };
    expect(report.rebuild).toBe('projections');
    expect(report.results).toBeGreaterThanOrEqual(mine().length);
    // row for row, column for column (created_at and updated_at too: they come from result times)
    expect(await snapshot(pool, rebuilt, org)).toEqual(before);
  });
});
