import type { Pool } from 'pg';
import type { Kafka } from 'kafkajs';
import { generateVAPIDKeys } from 'web-push';
import { credentialsKey, sealCredential } from '@fixlify/channels';
import { ChannelCredentialsInput, TOPICS, type DomainEvent, type StepResult, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { upsertChannelCredential } from '@fixlify/db';
import {
  organizationFamily,
  createActiveWorkflow,
  createClient,
  startMailgunStandin,
  startPushStandin,
  startService,
  startSmtpStandin,
  startTelnyxStandin,
  startWebhookReceiver,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type PushStandin,
  type ServiceProcess,
  type SmtpStandin,
  type TelnyxStandin,
  type TopicTail,
  type WebhookReceiver,
  allowLoopback,
  setWebhookSigningSecret,
} from '@fixlify/testing';

/**
 * Every action and control-flow node of the executor on real data: rows inserted in PostgreSQL
 * → Debezium → ingest → matcher → executor → the provider stand-ins, with all four services
 * running as processes.
 */
// the project's testTimeout does not reach hooks in every jest mode: set it here
jest.setTimeout(240_000);

describe('executor: every action on the real stack', () => {
  let pool: Pool;
  let kafka: Kafka;
  let results: TopicTail<StepResult>;
  let events: TopicTail<DomainEvent>;
  let mailgun: MailgunStandin;
  /** an organization's own Mailgun account (its own key and domain) */
  let ownMailgun: MailgunStandin;
  let telnyx: TelnyxStandin;
  let smtp: SmtpStandin;
  let push: PushStandin;
  let hooks: WebhookReceiver;
  let api: WebhookReceiver;
  const services: ServiceProcess[] = [];
  const secret = 'executor-actions-signing-secret';

  // this file's organizations share an id prefix: readers skip everyone else's messages without parsing them
  const family = organizationFamily();
  const createOrganization = family.create;
  const ours = family.ours;

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    [mailgun, ownMailgun, telnyx, smtp, push, hooks, api] = await Promise.all([
      startMailgunStandin(),
      startMailgunStandin({ apiKey: 'key-own-account', domains: ['mg.own.test'] }),
      // the deployment's Telnyx account and an organization's own
      startTelnyxStandin({ apiKey: ['KEY_test', 'KEY_own'] }),
      startSmtpStandin(),
      startPushStandin(),
      startWebhookReceiver(),
      startWebhookReceiver(),
    ]);
    const vapid = generateVAPIDKeys();
    const env = {
      // exactly the stand-ins reached through the outbound guard (webhooks, API calls, push, an organization's own Mailgun)
      OUTBOUND_ALLOWED_HOSTS: allowLoopback(hooks, api, push, ownMailgun),
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'key-test',
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'KEY_test',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      EXECUTOR_TIMER_POLL_MS: '50',
    };
    results = await tailTopic(kafka, TOPICS.stepResults, ours<StepResult>);
    events = await tailTopic(kafka, TOPICS.events, ours<DomainEvent>);
    for (const name of ['ingest', 'matcher', 'executor', 'metrics'] as const) services.push(await startService(name, env, `exec-actions-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(90_000)), results.ready, events.ready]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await events?.stop();
    await Promise.all([mailgun, ownMailgun, telnyx, smtp, push, hooks, api].map((s) => s?.close()));
    await pool?.end();
  });

  /** Publishes a workflow of `org` and waits until the matcher has it. */
  const publish = async (org: string, def: WorkflowDefinitionInput) => {
    const wf = await createActiveWorkflow(pool, org, def);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`);
        return ((await r.json()) as { present: boolean }).present;
      },
      60_000,
      'the matcher to know the published workflow',
    );
    return wf;
  };

  const onJobCreated = (title: string) => ({
    id: 't',
    type: 'trigger' as const,
    trigger: { type: 'job_created' as const, filter: { field: 'after.title', op: 'eq' as const, value: title } },
  });
  const chain = (...ids: string[]) => ids.slice(1).map((id, i) => ({ id: `e${i}`, source: ids[i]!, target: id }));

  const insertJob = async (
    org: string,
    client: string | null,
    title: string,
    extra: { total?: number; start?: Date; end?: Date; technician?: string } = {},
  ): Promise<string> => {
    const r = await pool.query<{ id: string }>(
      `INSERT INTO jobs (organization_id, client_id, title, total, scheduled_start, scheduled_end, technician_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [org, client, title, extra.total ?? 0, extra.start ?? null, extra.end ?? null, extra.technician ?? null],
    );
    return r.rows[0]!.id;
  };

  /** All results of the workflow's (single) execution once it has ended, in seq order. */
  const finished = async (workflowId: string, timeoutMs = 150_000): Promise<StepResult[]> => {
    await results.until(
      (rs) => rs.some((r) => r.workflowId === workflowId && ['execution_completed', 'execution_failed', 'execution_cancelled'].includes(r.kind)),
      timeoutMs,
      `the end of workflow ${workflowId}`,
    );
    return results.seen.filter((r) => r.workflowId === workflowId).sort((a, b) => a.seq - b.seq);
  };
  const stepOf = (rs: StepResult[], stepId: string) =>
    rs.find((r): r is Extract<StepResult, { kind: 'step_succeeded' }> => r.kind === 'step_succeeded' && r.stepId === stepId);

  it('send_email through the Mailgun API, rendered with the organization’s money format', async () => {
    const org = await createOrganization(pool, { name: 'Mail Co', locale: 'de-DE', currency: 'EUR' });
    const client = await createClient(pool, org, { name: 'Grace', email: 'grace@example.com' });
    const wf = await publish(org, {
      nodes: [
        onJobCreated('mail-me'),
        { id: 'mail', type: 'send_email', config: { subject: 'Job {{ job.title }}', text: 'Hello {{ client.name }}, total {{ job.total | money }}' } },
      ],
      edges: chain('t', 'mail'),
    });
    await insertJob(org, client, 'mail-me', { total: 1234.5 });
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const step = stepOf(rs, 'mail')!;
    expect(step.delivery).toBe('delivered');
    expect(step.channel).toBe('email');
    const sent = mailgun.received.filter((m) => m.idempotencyKey === `${rs[0]!.executionId}:mail`);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.to).toEqual(['grace@example.com']);
    expect(sent[0]!.subject).toBe('Job mail-me');
    expect(sent[0]!.text).toMatch(/^Hello Grace, total 1\.234,50\s€$/);
  });

  it('send_email through SMTP to a real SMTP server', async () => {
    const org = await createOrganization(pool, { name: 'SMTP Co' });
    const client = await createClient(pool, org, { name: 'Linus', email: 'linus@example.com' });
    const wf = await publish(org, {
      nodes: [
        onJobCreated('smtp-me'),
        { id: 'mail', type: 'send_email', config: { provider: 'smtp', subject: 'Visit for {{ client.name }}', text: 'See you soon' } },
      ],
      edges: chain('t', 'mail'),
    });
    await insertJob(org, client, 'smtp-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const got = smtp.received.filter((m) => m.idempotencyKey === `${rs[0]!.executionId}:mail`);
    expect(got).toHaveLength(1);
    expect(got[0]!.envelope.to).toEqual(['linus@example.com']);
    expect(got[0]!.subject).toBe('Visit for Linus');
    expect(stepOf(rs, 'mail')!.output.provider).toBe('smtp');
  });

  it('send_sms through the Telnyx messages API', async () => {
    const org = await createOrganization(pool, { name: 'SMS Co' });
    const client = await createClient(pool, org, { name: 'Ada', phone: '+15557654321' });
    const wf = await publish(org, {
      nodes: [onJobCreated('sms-me'), { id: 'sms', type: 'send_sms', config: { body: 'Hi {{ client.name }}, {{ job.title }} is booked' } }],
      edges: chain('t', 'sms'),
    });
    await insertJob(org, client, 'sms-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const got = telnyx.received.filter((m) => m.to === '+15557654321');
    expect(got.map((m) => m.text)).toEqual(['Hi Ada, sms-me is booked']);
    expect(stepOf(rs, 'sms')!.delivery).toBe('delivered');
  });

  it("sends through the organization's own accounts: its Mailgun key and domain, its Telnyx number, its webhook secret", async () => {
    const org = await createOrganization(pool, { name: 'Own Accounts Co' });
    const client = await createClient(pool, org, { name: 'Olga', email: 'olga@example.com', phone: '+15550102030' });
    const ownSecret = 'own-signing-secret-0123456789';
    // sealed as the API seals them (the executor runs with the same development key: CREDENTIALS_ENCRYPTION_KEY unset)
    for (const input of [
      { provider: 'mailgun', secret: 'key-own-account', settings: { domain: 'mg.own.test', from: 'Own Co <hi@own.test>', apiBase: ownMailgun.url } },
      { provider: 'telnyx', secret: 'KEY_own', settings: { from: '+15559990000' } },
      { provider: 'webhook', secret: ownSecret, settings: {} },
    ]) {
      const sealed = sealCredential(org, ChannelCredentialsInput.parse(input), credentialsKey({}));
      await upsertChannelCredential(pool, {
        organizationId: org,
        provider: sealed.provider,
        secretCiphertext: sealed.secretCiphertext,
        settings: sealed.settings,
      });
    }
    const wf = await publish(org, {
      nodes: [
        onJobCreated('own-accounts'),
        { id: 'mail', type: 'send_email', config: { subject: 'Hello {{ client.name }}', text: 'From our own domain' } },
        { id: 'sms', type: 'send_sms', config: { body: 'Hi {{ client.name }}' } },
        { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/own/${org}`, payload: '{"own":true}' } },
      ],
      edges: chain('t', 'mail', 'sms', 'hook'),
    });
    await insertJob(org, client, 'own-accounts');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const executionId = rs[0]!.executionId;
    const mails = ownMailgun.received.filter((m) => m.idempotencyKey === `${executionId}:mail`);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ domain: 'mg.own.test', from: 'Own Co <hi@own.test>', to: ['olga@example.com'] });
    expect(mailgun.received.some((m) => m.idempotencyKey === `${executionId}:mail`)).toBe(false);
    expect(stepOf(rs, 'mail')!.output).toMatchObject({ provider: 'mailgun', account: 'organization' });
    const texts = telnyx.received.filter((m) => m.to === '+15550102030');
    expect(texts.map((m) => [m.from, m.text])).toEqual([['+15559990000', 'Hi Olga']]);
    const hook = hooks.received.filter((r) => r.path === `/own/${org}`);
    expect(hook).toHaveLength(1);
    expect(hooks.verify(hook[0]!, ownSecret)).toBe(true);
    expect(hooks.verify(hook[0]!, 'local-development-webhook-secret')).toBe(false);
  });

  it('send_push_notification through Web Push to each subscription of the person', async () => {
    const org = await createOrganization(pool, { name: 'Push Co' });
    const client = await createClient(pool, org, { name: 'Kim' });
    const sub = push.createSubscription(`kim-${org}`);
    await pool.query('INSERT INTO push_subscriptions (organization_id, user_ref, endpoint, p256dh, auth) VALUES ($1, $2, $3, $4, $5)', [
      org,
      client,
      sub.endpoint,
      sub.keys.p256dh,
      sub.keys.auth,
    ]);
    const wf = await publish(org, {
      nodes: [
        onJobCreated('push-me'),
        {
          id: 'push',
          type: 'send_push_notification',
          config: { title: 'New job', body: '{{ job.title }} for {{ client.name }}', url: 'https://app.example.com/jobs/{{ job.id }}' },
        },
      ],
      edges: chain('t', 'push'),
    });
    const job = await insertJob(org, client, 'push-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const got = push.received.filter((p) => p.endpoint === sub.endpoint);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!.payload!)).toEqual({ title: 'New job', body: 'push-me for Kim', url: `https://app.example.com/jobs/${job}` });
    expect(stepOf(rs, 'push')!.output.sent).toBe(1);
  });

  it('webhook: signed, with the step key as Idempotency-Key', async () => {
    const org = await createOrganization(pool, { name: 'Hook Co' });
    await setWebhookSigningSecret(pool, org, secret);
    const client = await createClient(pool, org, { name: 'Hopper' });
    const wf = await publish(org, {
      nodes: [
        onJobCreated('hook-me'),
        {
          id: 'hook',
          type: 'webhook',
          config: { url: `${hooks.url}/h/${org}`, payload: '{"job":"{{ job.title }}"}', headers: { 'X-Tenant': '{{ organization.name }}' } },
        },
      ],
      edges: chain('t', 'hook'),
    });
    await insertJob(org, client, 'hook-me');
    const rs = await finished(wf.workflowId);
    const got = hooks.received.filter((r) => r.path === `/h/${org}`);
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toBe('{"job":"hook-me"}');
    expect(got[0]!.headers['x-tenant']).toBe('Hook Co');
    expect(got[0]!.idempotencyKey).toBe(`${rs[0]!.executionId}:hook`);
    expect(hooks.verify(got[0]!, secret)).toBe(true);
  });

  it('api_call saves its response (saveAs) for a later step’s template', async () => {
    const org = await createOrganization(pool, { name: 'API Co' });
    const client = await createClient(pool, org, { name: 'Barbara' });
    api.respondWith(200, JSON.stringify({ eta: '10:30', crew: { lead: 'Sam' } }));
    const wf = await publish(org, {
      nodes: [
        onJobCreated('api-me'),
        {
          id: 'ask',
          type: 'api_call',
          config: {
            url: `${api.url}/eta?job={{ job.id }}`,
            method: 'POST',
            body: '{"title":"{{ job.title }}"}',
            auth: { type: 'bearer', token: 'tok-{{ organization.name }}' },
            saveAs: 'eta',
          },
        },
        { id: 'tell', type: 'webhook', config: { url: `${hooks.url}/eta/${org}`, payload: '{"eta":"{{ eta.eta }}","lead":"{{ eta.crew.lead }}"}' } },
      ],
      edges: chain('t', 'ask', 'tell'),
    });
    const job = await insertJob(org, client, 'api-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const call = api.received.find((r) => r.path === `/eta?job=${job}`)!;
    expect(call.method).toBe('POST');
    expect(call.body).toBe('{"title":"api-me"}');
    expect(call.headers.authorization).toBe('Bearer tok-API Co');
    expect(hooks.received.find((r) => r.path === `/eta/${org}`)!.body).toBe('{"eta":"10:30","lead":"Sam"}');
    expect(stepOf(rs, 'ask')!.output.response).toEqual({ eta: '10:30', crew: { lead: 'Sam' } });
  });

  it('update_record writes the row, and ingest marks the resulting change as caused by the execution', async () => {
    const org = await createOrganization(pool, { name: 'Update Co' });
    const client = await createClient(pool, org);
    const wf = await publish(org, {
      nodes: [
        onJobCreated('update-me'),
        {
          id: 'upd',
          type: 'update_record',
          config: { table: 'jobs', id: '{{ job.id }}', set: { status: 'dispatched', description: 'set by {{ organization.name }}' } },
        },
      ],
      edges: chain('t', 'upd'),
    });
    const job = await insertJob(org, client, 'update-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const execution = rs[0]!.executionId;
    const row = await pool.query('SELECT status, description, automation_execution_id, automation_depth FROM jobs WHERE id = $1', [job]);
    expect(row.rows[0]).toEqual({ status: 'dispatched', description: 'set by Update Co', automation_execution_id: `${execution}:upd`, automation_depth: 1 });
    await events.until((es) => es.some((e) => e.entityId === job && e.type === 'job_status_changed'), 30_000, 'the caused job_status_changed');
    const caused = events.seen.find((e) => e.entityId === job && e.type === 'job_status_changed')!;
    expect(caused.causation).toEqual({ executionId: execution, depth: 1 });
    expect(events.seen.find((e) => e.entityId === job && e.type === 'job_created')!.causation).toBeNull();
  });

  it('create_task creates one task linked to the job and technician', async () => {
    const org = await createOrganization(pool, { name: 'Task Co' });
    const client = await createClient(pool, org, { name: 'Joan' });
    const tech = (await pool.query<{ id: string }>(`INSERT INTO technicians (organization_id, name) VALUES ($1, 'Tess') RETURNING id`, [org])).rows[0]!.id;
    const wf = await publish(org, {
      nodes: [
        onJobCreated('task-me'),
        {
          id: 'task',
          type: 'create_task',
          config: { title: 'Call {{ client.name }}', description: 'about {{ job.title }}', dueInHours: 24, jobId: '{{ job.id }}', assigneeTechnicianId: tech },
        },
      ],
      edges: chain('t', 'task'),
    });
    const job = await insertJob(org, client, 'task-me');
    const rs = await finished(wf.workflowId);
    expect(rs.at(-1)!.kind).toBe('execution_completed');
    const tasks = await pool.query('SELECT title, description, job_id, technician_id, due_at IS NOT NULL AS has_due FROM tasks WHERE organization_id = $1', [
      org,
    ]);
    expect(tasks.rows).toEqual([{ title: 'Call Joan', description: 'about task-me', job_id: job, technician_id: tech, has_due: true }]);
    expect(stepOf(rs, 'task')!.output.taskId).toBeTruthy();
  });

  it('assign_technician: a given technician, and the least busy one in the job’s window', async () => {
    const org = await createOrganization(pool, { name: 'Dispatch Co' });
    const client = await createClient(pool, org);
    const techs = await pool.query<{ id: string; name: string }>(
      `INSERT INTO technicians (organization_id, name) VALUES ($1, 'Busy'), ($1, 'Free'), ($1, 'Given') RETURNING id, name`,
      [org],
    );
    const id = (n: string) => techs.rows.find((t) => t.name === n)!.id;
    const start = new Date(Date.now() + 86_400_000);
    const end = new Date(start.getTime() + 2 * 3600_000);
    // Busy already has a job in the window
    await insertJob(org, client, 'existing', { start, end, technician: id('Busy') });
    const given = await publish(org, {
      nodes: [onJobCreated('assign-given'), { id: 'assign', type: 'assign_technician', config: { strategy: 'given', technicianId: id('Given') } }],
      edges: chain('t', 'assign'),
    });
    const least = await publish(org, {
      nodes: [onJobCreated('assign-least'), { id: 'assign', type: 'assign_technician', config: { strategy: 'least_busy' } }],
      edges: chain('t', 'assign'),
    });
    const j1 = await insertJob(org, client, 'assign-given', { start, end });
    expect((await finished(given.workflowId)).at(-1)!.kind).toBe('execution_completed');
    // now Busy and Given both have a job in the window: only Free is available
    const j2 = await insertJob(org, client, 'assign-least', { start, end });
    const r2 = await finished(least.workflowId);
    expect(r2.at(-1)!.kind).toBe('execution_completed');
    const rows = await pool.query<{ id: string; technician_id: string; automation_execution_id: string }>(
      'SELECT id, technician_id, automation_execution_id FROM jobs WHERE id = ANY($1::uuid[])',
      [[j1, j2]],
    );
    const techOf = new Map(rows.rows.map((r) => [r.id, r.technician_id]));
    expect(techOf.get(j1)).toBe(id('Given'));
    expect(techOf.get(j2)).toBe(id('Free'));
    expect(stepOf(r2, 'assign')!.output).toMatchObject({ jobId: j2, technicianId: id('Free'), strategy: 'least_busy' });
  });

  it('a three-step workflow: condition → delay → loop over the client’s tags', async () => {
    const org = await createOrganization(pool, { name: 'Three Co' });
    const client = await createClient(pool, org, { name: 'Edsger' });
    await pool.query(`UPDATE clients SET tags = ARRAY['vip','north','gold'] WHERE id = $1`, [client]);
    const wf = await publish(org, {
      nodes: [
        onJobCreated('three-step'),
        { id: 'big', type: 'condition', config: { when: { field: 'job.total', op: 'gte', value: 100 } } },
        { id: 'wait', type: 'delay', config: { mode: 'duration', seconds: 2 } },
        { id: 'each', type: 'loop', config: { over: 'client.tags', as: 'tag', maxIterations: 2 } },
        { id: 'hook', type: 'webhook', config: { url: `${hooks.url}/tags/${org}`, payload: '{"tag":"{{ tag }}","i":{{ loop.index }}}' } },
        { id: 'small', type: 'webhook', config: { url: `${hooks.url}/small/${org}` } },
      ],
      edges: [
        { id: 'a', source: 't', target: 'big' },
        { id: 'b', source: 'big', target: 'wait', branch: 'true' },
        { id: 'c', source: 'big', target: 'small', branch: 'false' },
        { id: 'd', source: 'wait', target: 'each' },
        { id: 'e', source: 'each', target: 'hook', branch: 'body' },
      ],
    });
    const committed = Date.now();
    await insertJob(org, client, 'three-step', { total: 250 });
    const rs = await finished(wf.workflowId);
    expect(rs.map((r) => (r.kind === 'step_succeeded' ? r.stepId : r.kind))).toEqual([
      'execution_started',
      'big',
      'wait',
      'execution_waiting',
      'each',
      'hook',
      'hook',
      'execution_completed',
    ]);
    expect(rs.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const tags = hooks.received.filter((r) => r.path === `/tags/${org}`);
    expect(tags.map((r) => r.body)).toEqual(['{"tag":"vip","i":0}', '{"tag":"north","i":1}']);
    expect(new Set(tags.map((r) => r.idempotencyKey)).size).toBe(2);
    // the delay held: nothing was sent before it ended
    expect(new Date(tags[0]!.receivedAt).getTime() - committed).toBeGreaterThanOrEqual(2000);
    expect(hooks.received.some((r) => r.path === `/small/${org}`)).toBe(false);
    const log = await waitFor(
      async () =>
        (
          await pool.query<{ status: string; actions_executed: unknown[] }>(
            `SELECT status, actions_executed FROM automation_execution_logs WHERE workflow_id = $1 AND status = 'completed'`,
            [wf.workflowId],
          )
        ).rows[0],
      30_000,
      'the execution log',
    );
    expect(log.actions_executed).toHaveLength(5);
  });
});
