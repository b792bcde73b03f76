import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { signWebhook } from '@fixlify/channels';
import { TOPICS, WorkflowDefinition, type Condition, type StartCommand, type TriggerSpec, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { createWorkflowDraft, setWorkflowActive } from '@fixlify/db';
import {
  createActiveWorkflow,
  createOrganization,
  freePort,
  jsonWhere,
  startService,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type ServiceProcess,
  type TopicTail,
} from '@fixlify/testing';

/**
 * Every trigger of the catalogue on the real stack: a committed SQL change (→ Debezium → ingest),
 * a clock, a manual call or a signed webhook produces exactly the expected start commands on
 * automation.commands.v1 (read_committed), and a workflow whose filter does not match starts nothing.
 *
 * The stack is shared: other tests' ingest and matcher processes may emit the same events and
 * commands again (same deterministic ids), so commands are counted by distinct execution id.
 */
const MIN = 60_000;

jest.setTimeout(300_000);

describe('triggers: the whole catalogue, real SQL changes, clocks and HTTP', () => {
  let pool: Pool;
  let ingest: ServiceProcess;
  let matcher: ServiceProcess;
  let api: ServiceProcess;
  let triggerPort: number;
  let commands: TopicTail<StartCommand>;
  const orgs = new Set<string>();
  const created: [string, string][] = [];

  /** distinct execution ids started per workflow */
  const startsOf = (workflowId: string): string[] => [...new Set(commands.seen.filter((c) => c.workflowId === workflowId).map((c) => c.executionId))];
  const commandsOf = (workflowId: string): StartCommand[] => commands.seen.filter((c) => c.workflowId === workflowId);

  const definition = (
    trigger: TriggerSpec | Record<string, unknown>,
    reenrollment: 'every_time' | 'once_per_entity' = 'every_time',
  ): WorkflowDefinitionInput => ({
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: trigger as TriggerSpec },
      { id: 'task', type: 'create_task', config: { title: 'triggered' } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
    settings: { reenrollment },
  });
  const publish = async (org: string, trigger: TriggerSpec | Record<string, unknown>, reenrollment?: 'every_time' | 'once_per_entity'): Promise<string> => {
    const w = await createActiveWorkflow(pool, org, definition(trigger, reenrollment), `e2e ${String(trigger.type)}`);
    created.push([w.workflowId, org]);
    return w.workflowId;
  };
  /** a workflow whose running version was published at `since` (clock triggers only fire what fell due after that) */
  const publishedSince = async (org: string, trigger: Record<string, unknown>, since: Date): Promise<string> => {
    const def = WorkflowDefinition.parse(definition(trigger));
    const id = await createWorkflowDraft(pool, {
      organizationId: org,
      name: `e2e ${String(trigger.type)}`,
      definition: def,
      triggerType: String(trigger.type),
    });
    const v = await pool.query<{ id: string }>(
      `INSERT INTO automation_workflow_versions (workflow_id, organization_id, version, trigger_type, definition, published_at) VALUES ($1, $2, 1, $3, $4, $5) RETURNING id`,
      [id, org, trigger.type, JSON.stringify(def), since],
    );
    await pool.query(
      `UPDATE automation_workflows SET current_version = 1, published_version_id = $3, published_definition = $4, definition = $4, is_active = true, status = 'active', updated_at = now()
        WHERE id = $1 AND organization_id = $2`,
      [id, org, v.rows[0]!.id, JSON.stringify(def)],
    );
    created.push([id, org]);
    return id;
  };
  const matcherKnows = async (ids: string[]): Promise<void> => {
    for (const id of ids)
      await waitFor(
        async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${id}`)).json()) as { present: boolean }).present,
        90_000,
        `the matcher to index workflow ${id}`,
      );
  };
  const newOrg = async (o: { timeZone?: string } = {}): Promise<string> => {
    const id = await createOrganization(pool, { name: 'E2E triggers', ...o });
    orgs.add(id);
    return id;
  };
  /** waits until every workflow has its expected number of distinct executions, then a little longer, and checks exactly that */
  const expectStarts = async (expected: Record<string, number>, label: Record<string, string>): Promise<void> => {
    await commands.until(
      () => Object.entries(expected).every(([id, n]) => startsOf(id).length >= n),
      120_000,
      `start commands: ${Object.entries(expected)
        .map(([id, n]) => `${label[id]}=${startsOf(id).length}/${n}`)
        .join(' ')}`,
    );
    // anything that should not start has had the time to show up
    await new Promise((r) => setTimeout(r, 3000));
    expect(Object.fromEntries(Object.keys(expected).map((id) => [label[id], startsOf(id).length]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([id, n]) => [label[id], n])),
    );
  };

  beforeAll(async () => {
    pool = testPool();
    triggerPort = await freePort();
    commands = await tailTopic(
      testKafka(),
      TOPICS.commands,
      jsonWhere<StartCommand>((c) => c.kind === 'start' && orgs.has(c.organizationId)),
    );
    ingest = await startService('ingest', { INGEST_TRIGGER_PORT: String(triggerPort), CLOCK_POLL_MS: '200', CLOCK_ENTITY_POLL_MS: '500' }, 'triggers-ingest');
    matcher = await startService('matcher', {}, 'triggers-matcher');
    // manual runs go through the API, for the organization of the caller's key
    api = await startService('api', {}, 'triggers-api');
    await Promise.all([ingest.waitReady(120_000), matcher.waitReady(120_000), api.waitReady(120_000), commands.ready]);
  });

  afterAll(async () => {
    for (const [workflowId, organizationId] of created) await setWorkflowActive(pool, { workflowId, organizationId, active: false }).catch(() => undefined);
    await Promise.all([ingest?.kill('SIGTERM'), matcher?.kill('SIGTERM'), api?.kill('SIGTERM')]);
    await commands?.stop();
    await pool?.end();
  });

  it('CDC triggers: each real change starts the workflows whose filter matches, and only those', async () => {
    const org = await newOrg();
    const f = (c: Condition) => c;
    const wf: Record<string, [string, number]> = {};
    const add = async (name: string, type: string, filter: Condition | undefined, n: number) => {
      wf[name] = [await publish(org, filter ? { type, filter } : { type }), n];
    };
    await add('job_created+', 'job_created', f({ field: 'after.title', op: 'contains', value: 'boiler' }), 1);
    await add('job_created-', 'job_created', f({ field: 'after.title', op: 'contains', value: 'roof' }), 0);
    await add('job_status_changed+', 'job_status_changed', f({ field: 'status', op: 'changed', from: 'scheduled', to: 'in_progress' }), 1);
    await add('job_status_changed-', 'job_status_changed', f({ field: 'status', op: 'changed', to: 'cancelled' }), 0);
    await add('job_completed+', 'job_completed', f({ field: 'after.total', op: 'gte', value: 100 }), 1);
    await add('job_completed-', 'job_completed', f({ field: 'after.total', op: 'gt', value: 1000 }), 0);
    await add('invoice_created+', 'invoice_created', f({ field: 'after.amount', op: 'gt', value: 50 }), 1);
    await add('invoice_created-', 'invoice_created', f({ field: 'after.amount', op: 'lt', value: 10 }), 0);
    await add('invoice_sent+', 'invoice_sent', f({ field: 'after.number', op: 'eq', value: 'INV-100' }), 1);
    await add('invoice_sent-', 'invoice_sent', f({ field: 'after.number', op: 'eq', value: 'INV-999' }), 0);
    await add('invoice_paid+', 'invoice_paid', f({ field: 'after.amount_paid', op: 'gte', value: 120 }), 1);
    await add('invoice_paid-', 'invoice_paid', f({ field: 'after.currency', op: 'eq', value: 'EUR' }), 0);
    await add('client_created+', 'client_created', f({ field: 'after.email', op: 'contains', value: '@example.com' }), 1);
    await add('client_created-', 'client_created', f({ field: 'after.name', op: 'eq', value: 'Nobody' }), 0);
    await add('client_updated+', 'client_updated', f({ field: 'data.changed', op: 'contains', value: 'email' }), 1);
    await add('client_updated-', 'client_updated', f({ field: 'data.changed', op: 'contains', value: 'phone' }), 0);
    await add('estimate_created+', 'estimate_created', f({ field: 'after.amount', op: 'lt', value: 1000 }), 2);
    await add('estimate_created-', 'estimate_created', f({ field: 'after.amount', op: 'gt', value: 1000 }), 0);
    await add('estimate_sent+', 'estimate_sent', f({ field: 'status', op: 'changed', from: 'draft', to: 'sent' }), 1);
    await add('estimate_sent-', 'estimate_sent', f({ field: 'status', op: 'changed', from: 'accepted', to: 'sent' }), 0);
    await add('estimate_accepted+', 'estimate_accepted', undefined, 1);
    await add('estimate_accepted-', 'estimate_accepted', f({ field: 'after.amount', op: 'gt', value: 5000 }), 0);
    await add('estimate_declined+', 'estimate_declined', undefined, 1);
    await add('estimate_declined-', 'estimate_declined', f({ field: 'event.entityType', op: 'eq', value: 'job' }), 0);
    await matcherKnows(Object.values(wf).map(([id]) => id));

    const q = (sql: string, params: unknown[]) => pool.query<{ id: string }>(sql, params);
    const client = (await q(`INSERT INTO clients (organization_id, name, email) VALUES ($1, 'Ada', 'ada@example.com') RETURNING id`, [org])).rows[0]!.id;
    await q(`UPDATE clients SET email = 'ada.l@example.com' WHERE id = $1`, [client]);
    const job = (await q(`INSERT INTO jobs (organization_id, client_id, title, total) VALUES ($1, $2, 'Replace boiler', 150) RETURNING id`, [org, client]))
      .rows[0]!.id;
    await q(`UPDATE jobs SET status = 'in_progress' WHERE id = $1`, [job]);
    await q(`UPDATE jobs SET status = 'completed', completed_at = now() WHERE id = $1`, [job]);
    const inv = (
      await q(`INSERT INTO invoices (organization_id, client_id, job_id, number, amount) VALUES ($1, $2, $3, 'INV-100', 120) RETURNING id`, [org, client, job])
    ).rows[0]!.id;
    await q(`UPDATE invoices SET status = 'sent', sent_at = now() WHERE id = $1`, [inv]);
    await q(`UPDATE invoices SET status = 'paid', amount_paid = 120, paid_at = now() WHERE id = $1`, [inv]);
    const est = (await q(`INSERT INTO estimates (organization_id, client_id, number, amount) VALUES ($1, $2, 'EST-1', 500) RETURNING id`, [org, client]))
      .rows[0]!.id;
    await q(`UPDATE estimates SET status = 'sent' WHERE id = $1`, [est]);
    await q(`UPDATE estimates SET status = 'accepted' WHERE id = $1`, [est]);
    const est2 = (
      await q(`INSERT INTO estimates (organization_id, client_id, number, amount, status) VALUES ($1, $2, 'EST-2', 700, 'sent') RETURNING id`, [org, client])
    ).rows[0]!.id;
    await q(`UPDATE estimates SET status = 'declined' WHERE id = $1`, [est2]);

    const expected = Object.fromEntries(Object.values(wf).map(([id, n]) => [id, n]));
    const label = Object.fromEntries(Object.entries(wf).map(([name, [id]]) => [id, name]));
    await expectStarts(expected, label);
    // a start command carries the event: type, org, entity, images, and the pinned version
    const [completed] = commandsOf(wf['job_completed+']![0]);
    expect(completed).toMatchObject({
      kind: 'start',
      organizationId: org,
      version: 1,
      event: { type: 'job_completed', entityType: 'job', entityId: job, organizationId: org, after: { status: 'completed' } },
    });
    const [changed] = commandsOf(wf['job_status_changed+']![0]);
    expect(changed!.event.data).toEqual({ from: 'scheduled', to: 'in_progress' });
  });

  it('clock triggers: job_overdue, invoice_overdue, client_inactive, scheduled and recurring fire once each, filters apply', async () => {
    const org = await newOrg({ timeZone: 'UTC' });
    const now = Date.now();
    const since = new Date(now - 2 * 1440 * MIN);
    const ago = new Date(now - 2 * MIN);
    const cron = `${ago.getUTCMinutes()} ${ago.getUTCHours()} * * *`;
    const wf: Record<string, [string, number]> = {
      'job_overdue+': [
        await publishedSince(org, { type: 'job_overdue', config: { graceMinutes: 0 }, filter: { field: 'after.title', op: 'eq', value: 'Late job' } }, since),
        1,
      ],
      'job_overdue-': [
        await publishedSince(org, { type: 'job_overdue', config: { graceMinutes: 0 }, filter: { field: 'after.title', op: 'eq', value: 'nope' } }, since),
        0,
      ],
      'invoice_overdue+': [await publishedSince(org, { type: 'invoice_overdue', config: { daysOverdue: 0 } }, since), 1],
      'invoice_overdue-': [
        await publishedSince(org, { type: 'invoice_overdue', config: { daysOverdue: 0 }, filter: { field: 'after.number', op: 'eq', value: 'nope' } }, since),
        0,
      ],
      'client_inactive+': [
        await publishedSince(org, { type: 'client_inactive', config: { days: 1 }, filter: { field: 'after.name', op: 'eq', value: 'Sleepy' } }, since),
        1,
      ],
      'client_inactive-': [
        await publishedSince(org, { type: 'client_inactive', config: { days: 1 }, filter: { field: 'after.name', op: 'eq', value: 'nope' } }, since),
        0,
      ],
      'recurring+': [await publishedSince(org, { type: 'recurring', config: { cron, timezone: 'UTC' } }, since), 1],
      'recurring-': [
        await publishedSince(
          org,
          { type: 'recurring', config: { cron, timezone: 'UTC' }, filter: { field: 'data.occurrence', op: 'eq', value: 'never' } },
          since,
        ),
        0,
      ],
    };
    await matcherKnows(Object.values(wf).map(([id]) => id));
    // yesterday's due date is overdue since today's midnight (UTC organization); the client has been quiet for a day
    await pool.query(`INSERT INTO jobs (organization_id, title, scheduled_end) VALUES ($1, 'Late job', $2)`, [org, new Date(now - MIN)]);
    await pool.query(
      `INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-OLD', 'sent', 80, (now() AT TIME ZONE 'UTC')::date - 1)`,
      [org],
    );
    await pool.query(`INSERT INTO clients (organization_id, name, created_at) VALUES ($1, 'Sleepy', $2)`, [org, new Date(now - 1440 * MIN - 5 * MIN)]);
    // scheduled: a moment a few seconds after publishing
    const at = new Date(Date.now() + 4000).toISOString();
    wf['scheduled+'] = [await publish(org, { type: 'scheduled', config: { at } }), 1];
    wf['scheduled-'] = [await publish(org, { type: 'scheduled', config: { at }, filter: { field: 'data.at', op: 'eq', value: 'never' } }), 0];
    await matcherKnows([wf['scheduled+'][0], wf['scheduled-'][0]]);

    const expected = Object.fromEntries(Object.values(wf).map(([id, n]) => [id, n]));
    const label = Object.fromEntries(Object.entries(wf).map(([name, [id]]) => [id, name]));
    await expectStarts(expected, label);
    const [sched] = commandsOf(wf['scheduled+'][0]);
    expect(sched!.event).toMatchObject({ type: 'scheduled', source: { kind: 'clock' }, entityId: null, occurredAt: at });
    const [overdue] = commandsOf(wf['job_overdue+']![0]);
    expect(overdue!.event).toMatchObject({ type: 'job_overdue', entityType: 'job', after: { title: 'Late job' } });
    // the claims are in PostgreSQL, one per occurrence
    const rows = await pool.query<{ n: string }>('SELECT count(*) AS n FROM automation_clock_occurrences WHERE workflow_id = ANY($1::uuid[])', [
      Object.values(wf).map(([id]) => id),
    ]);
    expect(Number(rows.rows[0]!.n)).toBe(10);
  });

  it('manual and inbound webhook triggers: a call starts its workflow once; a non-matching filter starts nothing', async () => {
    const org = await newOrg();
    const wf: Record<string, [string, number]> = {
      'manual+': [await publish(org, { type: 'manual', filter: { field: 'data.reason', op: 'eq', value: 'vip' } }), 1],
      'manual-': [await publish(org, { type: 'manual', filter: { field: 'data.reason', op: 'eq', value: 'never' } }), 0],
      'webhook+': [await publish(org, { type: 'webhook', filter: { field: 'data.status', op: 'eq', value: 'paid' } }), 1],
      'webhook-': [await publish(org, { type: 'webhook', filter: { field: 'data.status', op: 'eq', value: 'refunded' } }), 0],
    };
    await matcherKnows(Object.values(wf).map(([id]) => id));
    const base = `http://127.0.0.1:${triggerPort}`;
    const prefix = randomBytes(6).toString('hex').slice(0, 8);
    const key = `fx_${prefix}_${randomBytes(32).toString('base64url')}`;
    await pool.query(`INSERT INTO api_keys (organization_id, name, prefix, key_hash, role) VALUES ($1, 'triggers', $2, $3, 'editor')`, [
      org,
      prefix,
      createHash('sha256').update(key).digest('hex'),
    ]);
    const runManually = (workflowId: string, requestId: string) =>
      fetch(`http://127.0.0.1:${api.port}/api/workflows/${workflowId}/trigger`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ requestId, context: { reason: 'vip' } }),
      });
    for (const name of ['manual+', 'manual-']) {
      expect((await runManually(wf[name]![0], `r-${name}`)).status).toBe(202);
      // a retried call is the same event, so the same execution
      expect((await runManually(wf[name]![0], `r-${name}`)).status).toBe(202);
    }
    for (const name of ['webhook+', 'webhook-']) {
      const id = wf[name]![0];
      const secret = (await pool.query<{ webhook_secret: string }>('SELECT webhook_secret FROM automation_workflows WHERE id = $1', [id])).rows[0]!
        .webhook_secret;
      const body = JSON.stringify({ order: 7, status: 'paid' });
      const headers = { 'content-type': 'application/json', 'Fixlify-Signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)) };
      expect((await fetch(`${base}/hooks/${id}`, { method: 'POST', body, headers })).status).toBe(202);
      expect((await fetch(`${base}/hooks/${id}`, { method: 'POST', body, headers })).status).toBe(409);
      expect((await fetch(`${base}/hooks/${id}`, { method: 'POST', body })).status).toBe(401);
    }
    const expected = Object.fromEntries(Object.values(wf).map(([id, n]) => [id, n]));
    const label = Object.fromEntries(Object.entries(wf).map(([name, [id]]) => [id, name]));
    await expectStarts(expected, label);
    expect(commandsOf(wf['webhook+']![0])[0]!.event).toMatchObject({ type: 'webhook', data: { order: 7, status: 'paid' }, source: { kind: 'webhook' } });
    expect(commandsOf(wf['manual+']![0])[0]!.event).toMatchObject({ type: 'manual', data: { reason: 'vip' }, source: { kind: 'manual' } });
  });

  it('re-enrollment (once per entity vs every time) and loop protection (causation depth ≥ 3 starts nothing, counted)', async () => {
    const org = await newOrg();
    const once = await publish(org, { type: 'job_status_changed' }, 'once_per_entity');
    const every = await publish(org, { type: 'job_status_changed' }, 'every_time');
    await matcherKnows([once, every]);
    const skipped = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${matcher.port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('fixlify_matcher_skipped_total{reason="loop_depth"}'));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const skippedBefore = await skipped();
    const job = (await pool.query<{ id: string }>(`INSERT INTO jobs (organization_id, title) VALUES ($1, 'Loop') RETURNING id`, [org])).rows[0]!.id;
    await pool.query(`UPDATE jobs SET status = 'dispatched' WHERE id = $1`, [job]);
    await pool.query(`UPDATE jobs SET status = 'en_route' WHERE id = $1`, [job]);
    // an automation's write at depth 3: loop protection; then one at depth 2: allowed
    await pool.query(
      `UPDATE jobs SET status = 'on_hold', automation_execution_id = 'a1a1a1a1-0000-4000-8000-000000000001:update', automation_depth = 3 WHERE id = $1`,
      [job],
    );
    await pool.query(
      `UPDATE jobs SET status = 'in_progress', automation_execution_id = 'a1a1a1a1-0000-4000-8000-000000000002:update', automation_depth = 2 WHERE id = $1`,
      [job],
    );

    await commands.until(
      () => new Set(commandsOf(every).map((c) => c.event.eventId)).size >= 3 && new Set(commandsOf(once).map((c) => c.event.eventId)).size >= 3,
      120_000,
      'three status changes per workflow',
    );
    await new Promise((r) => setTimeout(r, 3000));
    // every time: one execution per event; once per entity: every event maps to one execution id
    expect(startsOf(every)).toHaveLength(3);
    expect(startsOf(once)).toHaveLength(1);
    expect(new Set(commandsOf(once).map((c) => c.event.eventId)).size).toBe(3);
    expect(
      commandsOf(every)
        .map((c) => c.event.data)
        .sort((a, b) => String(a.to).localeCompare(String(b.to))),
    ).toEqual(
      expect.arrayContaining([
        { from: 'scheduled', to: 'dispatched' },
        { from: 'dispatched', to: 'en_route' },
        { from: 'on_hold', to: 'in_progress' },
      ]),
    );
    expect(commandsOf(every).some((c) => c.event.data.to === 'on_hold')).toBe(false);
    expect(commandsOf(every).find((c) => c.event.data.to === 'in_progress')!.event.causation).toEqual({
      executionId: 'a1a1a1a1-0000-4000-8000-000000000002',
      depth: 2,
    });
    expect(await skipped()).toBeGreaterThan(skippedBefore);
  });
});
