import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import { ReplayList, ReplayView, StepResult, TOPICS, executionId } from '@fixlify/contracts';
import { createReplay, getReplay, type ReplayJob } from '@fixlify/db';
import {
  allowLoopback,
  createActiveWorkflow,
  createOrganization,
  setWebhookSigningSecret,
  startService,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
  type WebhookReceiver,
  createApiKey,
  runCli,
  replayFinished,
} from '@fixlify/testing';

const DAY = 86_400_000;

/**
 * Enrolling existing records on the real stack: the replay service reads the business tables, the
 * executor drains the replay lane (a topic of this test) and calls a webhook receiver. An
 * invoice_overdue workflow with reminders at day 0, 3 and 14 starts each invoice at the step its age
 * implies; a second enrollment starts nothing; once-per-entity holds against a record the live path
 * enrolled; a record-change trigger's filter applies; a dry run starts nothing.
 */
describe('enroll existing records', () => {
  let pool: Pool;
  let kafka: Kafka;
  let receiver: WebhookReceiver;
  let results: TopicTail<StepResult>;
  const services: ServiceProcess[] = [];
  const tag = `${process.pid}-${Date.now()}`;
  const laneTopic = `test.enroll-lane.${tag}`;
  const liveTopic = `test.enroll-live.${tag}`;
  let org = '';
  let reminders = { workflowId: '', versionId: '', version: 0 };
  let completed = { workflowId: '', versionId: '', version: 0 };
  /** invoices by days overdue */
  const invoices = new Map<number, string>();
  const AGES = [1, 5, 12, 20];
  const env = (): Record<string, string> => ({
    OUTBOUND_ALLOWED_HOSTS: allowLoopback(receiver),
    REPLAY_COMMANDS_TOPIC: laneTopic,
    EXECUTOR_REPLAY_TOPIC: laneTopic,
    EXECUTOR_COMMANDS_TOPIC: liveTopic,
    REPLAY_SLICE_MS: '3000',
    REPLAY_LEASE_MS: '4000',
    REPLAY_POLL_MS: '200',
  });

  const enroll = async (wf: { workflowId: string; versionId: string; version: number }, mode: 'enroll' | 'enroll_dry_run'): Promise<ReplayJob> => {
    const j = await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: wf.workflowId,
        versionId: wf.versionId,
        version: wf.version,
        mode,
        force: false,
        from: new Date(0),
        to: new Date(),
        filters: {},
        ratePerSecond: 2000,
        createdBy: null,
      },
      10,
    );
    return replayFinished(pool, org, j!.id, 120_000, `enrollment ${j!.id} to finish`);
  };
  const hooks = (path: string): number => receiver.received.filter((r) => r.path === path).length;
  const stepsOf = (execution: string): StepResult[] => results.seen.filter((r) => r.executionId === execution);

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    receiver = await startWebhookReceiver();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [laneTopic, liveTopic].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })), waitForLeaders: true });
    await admin.disconnect();
    results = await tailTopic(kafka, TOPICS.stepResults, (m) => {
      const r = StepResult.safeParse(JSON.parse(m.value?.toString() ?? 'null'));
      return r.success && r.data.organizationId === org ? r.data : undefined;
    });
    await results.ready;
    org = await createOrganization(pool, { name: 'Enroll Plumbing' });
    await setWebhookSigningSecret(pool, org, 'enroll-webhook-signing-secret-0123');
    const hook = (id: string) => ({
      id,
      type: 'webhook' as const,
      config: { url: `${receiver.url}/hooks/enroll/${id}`, payload: '{"invoice":"{{ invoice.number }}"}' },
    });
    const wait = (id: string, days: number) => ({ id, type: 'delay' as const, config: { mode: 'duration' as const, seconds: days * 86_400 } });
    reminders = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'invoice_overdue', config: { daysOverdue: 0 } } },
        hook('day0'),
        wait('w3', 3),
        hook('day3'),
        wait('w14', 11),
        hook('day14'),
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'day0' },
        { id: 'e2', source: 'day0', target: 'w3' },
        { id: 'e3', source: 'w3', target: 'day3' },
        { id: 'e4', source: 'day3', target: 'w14' },
        { id: 'e5', source: 'w14', target: 'day14' },
      ],
    });
    completed = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_completed', filter: { field: 'after.total', op: 'gt', value: 100 } } },
        { id: 'thanks', type: 'webhook', config: { url: `${receiver.url}/hooks/enroll/thanks`, payload: '{"job":"{{ job.title }}"}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'thanks' }],
      settings: { reenrollment: 'once_per_entity' },
    });
    // the records as they are now: invoices N days overdue (due_date + 1 day is when they fell due), one paid, one not due yet
    for (const age of AGES) {
      const r = await pool.query<{ id: string }>(
        `INSERT INTO invoices (organization_id, number, status, amount, due_date, sent_at) VALUES ($1, $2, 'sent', 120, current_date - $3::int - 1, now() - interval '30 days') RETURNING id`,
        [org, `INV-${age}`, age],
      );
      invoices.set(age, r.rows[0]!.id);
    }
    await pool.query(`INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-PAID', 'paid', 80, current_date - 9)`, [org]);
    await pool.query(`INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-LATER', 'sent', 80, current_date + 5)`, [org]);
    // completed jobs: 3 over 100 (one already enrolled by the live path), 2 under; 2 over 100 not completed
    const job = async (title: string, status: string, total: number): Promise<string> =>
      (
        await pool.query<{ id: string }>(
          `INSERT INTO jobs (organization_id, title, status, total, completed_at) VALUES ($1, $2, $3, $4, CASE WHEN $3 = 'completed' THEN now() - interval '2 days' END) RETURNING id`,
          [org, title, status, total],
        )
      ).rows[0]!.id;
    const big = [await job('Boiler A', 'completed', 500), await job('Boiler B', 'completed', 500), await job('Boiler C', 'completed', 500)];
    await job('Tap A', 'completed', 50);
    await job('Tap B', 'completed', 50);
    await job('Boiler D', 'scheduled', 500);
    await job('Boiler E', 'in_progress', 500);
    // once per entity: the live path already enrolled Boiler A
    await pool.query(
      `INSERT INTO automation_executions (id, organization_id, workflow_id, state, last_command_id, last_command_position, progress)
       VALUES ($1, $2, $3, 'completed', 'live', 'live', 0)`,
      [executionId(completed.workflowId, `entity:${big[0]}`), org, completed.workflowId],
    );
    // no other test's unfinished job is runnable by this test's runner
    await pool.query(`UPDATE automation_replays SET status = 'aborted', finished_at = now() WHERE status IN ('pending','running','paused')`);
    for (const name of ['executor', 'replay', 'api'] as const) services.push(await startService(name, env(), `enroll-${name}`));
    await Promise.all(services.map((s) => s.waitReady(90_000)));
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await receiver?.close();
    await pool?.end();
  });

  it('a dry run counts the records that meet the trigger and starts nothing', async () => {
    const j = await enroll(reminders, 'enroll_dry_run');
    expect(j.status).toBe('completed');
    expect(j.counts).toMatchObject({ scanned: AGES.length, matched: AGES.length, started: AGES.length });
    expect(j.enrollPlan).toMatchObject({ total: AGES.length, done: true });
    const claims = await pool.query(`SELECT 1 FROM automation_clock_occurrences WHERE workflow_id = $1`, [reminders.workflowId]);
    expect(claims.rowCount).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received.length).toBe(0);
  });

  it('enrolls each overdue invoice at the step its age implies', async () => {
    const j = await enroll(reminders, 'enroll');
    expect(j.counts).toMatchObject({ scanned: AGES.length, matched: AGES.length, started: AGES.length });
    await waitFor(async () => receiver.received.filter((r) => r.path.startsWith('/hooks/enroll/day')).length >= 1, 60_000, 'the reminder sent now');
    await new Promise((r) => setTimeout(r, 1500));
    // 1 day: waits for the 3-day reminder; 5 and 12 days: wait for the 14-day one (the ones before are
    // past); 20 days: the whole path would have run, so its last part (the 14-day reminder) runs now
    expect({ day0: hooks('/hooks/enroll/day0'), day3: hooks('/hooks/enroll/day3'), day14: hooks('/hooks/enroll/day14') }).toEqual({
      day0: 0,
      day3: 0,
      day14: 1,
    });
    const due = await pool.query<{ invoice: string; due_at: Date }>(
      `SELECT i.id AS invoice, ((i.due_date + 1)::timestamp AT TIME ZONE 'UTC') AS due_at FROM invoices i WHERE i.organization_id = $1 AND i.number LIKE 'INV-%' AND i.status = 'sent'`,
      [org],
    );
    const fellDue = new Map(due.rows.map((r) => [r.invoice, r.due_at.getTime()]));
    const expected: Record<number, { skipped: string[]; ran: string[]; timerAfterDays: number | null }> = {
      1: { skipped: ['day0'], ran: ['w3'], timerAfterDays: 3 },
      5: { skipped: ['day0', 'w3', 'day3'], ran: ['w14'], timerAfterDays: 14 },
      12: { skipped: ['day0', 'w3', 'day3'], ran: ['w14'], timerAfterDays: 14 },
      20: { skipped: ['day0', 'w3', 'day3', 'w14'], ran: ['day14'], timerAfterDays: null },
    };
    for (const age of AGES) {
      const invoice = invoices.get(age)!;
      const asOf = fellDue.get(invoice)!;
      const started = await pool.query<{ id: string; replay_id: string }>(
        `SELECT e.id, e.replay_id FROM automation_replay_starts s JOIN automation_executions e ON e.id = s.execution_id WHERE s.replay_id = $1 AND s.event_id = $2`,
        [
          j.id,
          (
            await pool.query<{ event_id: string }>(`SELECT event_id FROM automation_clock_occurrences WHERE workflow_id = $1 AND entity_id = $2`, [
              reminders.workflowId,
              invoice,
            ])
          ).rows[0]!.event_id,
        ],
      );
      const id = started.rows[0]!.id;
      expect(started.rows[0]!.replay_id).toBe(j.id);
      await results.until(
        (seen) => seen.some((r) => r.executionId === id && (r.kind === 'execution_waiting' || r.kind === 'execution_completed')),
        30_000,
        `the results of ${age}`,
      );
      const steps = stepsOf(id);
      const skipped = steps.filter((r): r is Extract<StepResult, { kind: 'step_skipped' }> => r.kind === 'step_skipped');
      expect([age, skipped.map((s) => s.stepId)]).toEqual([age, expected[age]!.skipped]);
      expect(skipped.every((s) => s.reason === 'time_passed' && new Date(s.dueAt).getTime() >= asOf && new Date(s.dueAt).getTime() < Date.now())).toBe(true);
      expect([age, steps.filter((r) => r.kind === 'step_succeeded').map((r) => (r.kind === 'step_succeeded' ? r.stepId : ''))]).toEqual([
        age,
        expected[age]!.ran,
      ]);
      const timers = await pool.query<{ due_at: Date }>(`SELECT due_at FROM automation_timers WHERE execution_id = $1 AND fired_at IS NULL`, [id]);
      const after = expected[age]!.timerAfterDays;
      // the next reminder is due on the invoice's own clock: when it fell due + 3 or + 14 days
      expect([age, timers.rows.map((t) => t.due_at.getTime())]).toEqual([age, after === null ? [] : [asOf + after * DAY]]);
    }
    const claims = await pool.query(`SELECT 1 FROM automation_clock_occurrences WHERE workflow_id = $1`, [reminders.workflowId]);
    expect(claims.rowCount).toBe(AGES.length);
  });

  it('a second enrollment starts nothing: the occurrences are claimed', async () => {
    const sent = receiver.received.length;
    const j = await enroll(reminders, 'enroll');
    expect(j.counts).toMatchObject({ scanned: AGES.length, matched: AGES.length, started: 0 });
    expect(j.counts.skipped).toEqual({ already_claimed: AGES.length });
    await new Promise((r) => setTimeout(r, 2000));
    expect(receiver.received.length).toBe(sent);
  });

  it('a record-change trigger: the filter applies, and once per entity holds against the live path', async () => {
    const dry = await enroll(completed, 'enroll_dry_run');
    // 5 completed jobs: 2 fail the filter, Boiler A was enrolled live
    expect(dry.counts).toMatchObject({ scanned: 5, matched: 3, started: 2 });
    expect(dry.counts.notMatched).toEqual({ filter: 2 });
    expect(dry.counts.skipped).toEqual({ already_executed: 1 });
    const j = await enroll(completed, 'enroll');
    expect(j.counts).toMatchObject({ scanned: 5, matched: 3, started: 2 });
    await waitFor(async () => hooks('/hooks/enroll/thanks') >= 2, 60_000, 'the thank-you webhooks');
    const titles = receiver.received.filter((r) => r.path === '/hooks/enroll/thanks').map((r) => /Boiler [A-E]|Tap [AB]/.exec(r.body)?.[0]);
    expect(titles.sort()).toEqual(['Boiler B', 'Boiler C']);
    const again = await enroll(completed, 'enroll');
    expect(again.counts.started).toBe(0);
    expect((again.counts.skipped.already_executed ?? 0) + (again.counts.skipped.already_replayed ?? 0)).toBe(3);
    await new Promise((r) => setTimeout(r, 2000));
    expect(hooks('/hooks/enroll/thanks')).toBe(2);
  });

  it('the API and the CLI: a dry run through both; triggers without records and switched-off workflows are refused', async () => {
    const api = `http://127.0.0.1:${services.find((s) => s.name === 'api')!.port}`;
    const key = await createApiKey(pool, org);
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const run = await runCli(['enroll', completed.workflowId], { FIXLIFY_API_URL: api, FIXLIFY_API_KEY: key });
    expect(run.out).toContain('dry run');
    expect(run.code).toBe(0);
    const id = /enrollment ([0-9a-f-]{36})/.exec(run.out)![1]!;
    const job = ReplayView.parse(await (await fetch(`${api}/api/replays/${id}`, { headers: auth })).json());
    // everything that meets the trigger is enrolled already: nothing would start
    expect(job).toMatchObject({ mode: 'enroll_dry_run', status: 'completed', counts: { scanned: 5, matched: 3, started: 0 }, progress: { read: 5, total: 5 } });
    expect(run.out).toMatch(/not matched: filter\s*│?\s*2/);
    const listed = ReplayList.parse(await (await fetch(`${api}/api/replays?workflowId=${completed.workflowId}`, { headers: auth })).json());
    expect(listed.replays.map((r) => r.mode)).toContain('enroll_dry_run');
    // a manual trigger has no records
    const manual = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'manual' } },
        { id: 'n', type: 'webhook', config: { url: `${receiver.url}/hooks/enroll/manual`, payload: '{}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'n' }],
    });
    const refused = await fetch(`${api}/api/workflows/${manual.workflowId}/enrollments`, { method: 'POST', headers: auth, body: '{}' });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain('not about records');
    // switched off: a dry run counts, enrolling is refused
    await pool.query(`UPDATE automation_workflows SET is_active = false WHERE id = $1`, [reminders.workflowId]);
    const off = await fetch(`${api}/api/workflows/${reminders.workflowId}/enrollments`, { method: 'POST', headers: auth, body: '{}' });
    expect(off.status).toBe(409);
    const dry = await fetch(`${api}/api/workflows/${reminders.workflowId}/enrollments`, { method: 'POST', headers: auth, body: '{"dryRun":true}' });
    expect(dry.status).toBe(202);
    const bad = await runCli(['enroll'], { FIXLIFY_API_URL: api, FIXLIFY_API_KEY: key });
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('the workflow is required');
  });

  it('the replay service killed mid-enrollment: the job resumes from its cursor, every record started once', async () => {
    const CRASH = 120;
    const wf = await createActiveWorkflow(pool, org, {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'contains', value: 'Crash' } } },
        { id: 'hello', type: 'webhook', config: { url: `${receiver.url}/hooks/enroll/crash`, payload: '{"job":"{{ job.title }}"}' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'hello' }],
    });
    await pool.query(
      `INSERT INTO jobs (organization_id, title, status, created_at) SELECT $1, 'Crash ' || n, 'scheduled', now() - interval '1 day' FROM generate_series(1, $2::int) n`,
      [org, CRASH],
    );
    const others = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE organization_id = $1 AND title NOT LIKE 'Crash %'`, [org]))
      .rows[0]!.n;
    // slow enough to be caught in the middle: 120 starts at 15/s take ~8 s
    const created = await createReplay(
      pool,
      {
        id: randomUUID(),
        organizationId: org,
        workflowId: wf.workflowId,
        versionId: wf.versionId,
        version: wf.version,
        mode: 'enroll',
        force: false,
        from: new Date(0),
        to: new Date(),
        filters: {},
        ratePerSecond: 15,
        createdBy: null,
      },
      10,
    );
    await waitFor(
      async () => {
        const j = await getReplay(pool, org, created!.id);
        return j && j.counts.started > 0 && j.counts.started < CRASH ? j : null;
      },
      60_000,
      'the enrollment to be under way',
      50,
    );
    const replay = services.find((x) => x.name === 'replay')!;
    await replay.kill('SIGKILL');
    const restarted = await startService('replay', env(), 'enroll-replay-2');
    services.push(restarted);
    await restarted.waitReady(90_000);
    const j = await replayFinished(pool, org, created!.id, 180_000, 'the resumed enrollment to finish');
    expect(j.status).toBe('completed');
    expect(j.counts).toMatchObject({ scanned: CRASH + others, matched: CRASH, started: CRASH });
    expect(j.counts.skipped).toEqual({});
    await waitFor(
      async () => hooks('/hooks/enroll/crash') >= CRASH,
      120_000,
      'the enrolled webhooks',
      200,
      () => `${hooks('/hooks/enroll/crash')} received`,
    );
    await new Promise((r) => setTimeout(r, 2000));
    const crash = receiver.received.filter((r) => r.path === '/hooks/enroll/crash');
    // every record once: requests equal distinct records
    expect(crash.length).toBe(CRASH);
    expect(new Set(crash.map((r) => r.body)).size).toBe(CRASH);
  });
});
