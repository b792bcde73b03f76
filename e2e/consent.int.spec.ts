import { generateKeyPairSync } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { MAILGUN_ORGANIZATION_VARIABLE, TOPICS, keywordRepliesWorkflowId, type StepResult } from '@fixlify/contracts';
import {
  createActiveWorkflow,
  createApiKey,
  createClient,
  freePort,
  organizationFamily,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  tailTopic,
  testKafka,
  testPool,
  waitFor,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  type TopicTail,
} from '@fixlify/testing';

jest.setTimeout(300_000);

const NUMBER = '+15550100077';
// phones of this run only: the database outlives runs, and a text on the shared number reaches every organization that knows the phone
const RUN = String(Date.now() % 10_000_000).padStart(7, '0');
const phoneOf = (n: number): string => `+1555${n}${RUN.slice(1)}`;
const msgId = (name: string): string => `${name}-${RUN}-${process.pid}`;

/**
 * Consent on the real stack: Telnyx inbound webhooks (signed by the stand-in's Ed25519 key) reach
 * ingest; STOP suppresses the next workflow SMS and is confirmed once however often it is delivered,
 * START lifts it, HELP answers; forged and stale webhooks are refused; other texts start
 * sms_received workflows; every e-mail carries one-click unsubscribe; Mailgun complaints suppress
 * e-mail only.
 */
describe('consent: inbound STOP/START/HELP, one-click unsubscribe, provider events', () => {
  let pool: Pool;
  let kafka: Kafka;
  let telnyx: TelnyxStandin;
  let mailgun: MailgunStandin;
  let results: TopicTail<StepResult>;
  const services: ServiceProcess[] = [];
  let inbound: string;
  let mailgunEvents: string;
  let api: string;
  const family = organizationFamily();

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    [telnyx, mailgun] = await Promise.all([startTelnyxStandin({ apiKey: 'KEY_consent' }), startMailgunStandin({ webhookSigningKey: 'mg-consent-signing' })]);
    const triggerPort = await freePort();
    const apiPort = await freePort();
    const env = {
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'KEY_consent',
      TELNYX_FROM: NUMBER,
      TELNYX_PUBLIC_KEY: telnyx.publicKey,
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'key-test',
      MAILGUN_WEBHOOK_SIGNING_KEY: 'mg-consent-signing',
      INGEST_TRIGGER_PORT: String(triggerPort),
      API_PORT: String(apiPort),
      UNSUBSCRIBE_BASE_URL: `http://127.0.0.1:${apiPort}`,
      UNSUBSCRIBE_SIGNING_KEY: 'consent-e2e-unsubscribe-key',
      EXECUTOR_TIMER_POLL_MS: '50',
    };
    inbound = `http://127.0.0.1:${triggerPort}/telnyx/messages`;
    mailgunEvents = `http://127.0.0.1:${triggerPort}/mailgun/events`;
    api = `http://127.0.0.1:${apiPort}`;
    results = await tailTopic(kafka, TOPICS.stepResults, family.ours<StepResult>);
    for (const name of ['ingest', 'matcher', 'executor', 'api'] as const) services.push(await startService(name, env, `consent-${name}`));
    await Promise.all([...services.map((s) => s.waitReady(90_000)), results.ready]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGTERM')));
    await results?.stop();
    await Promise.all([telnyx?.close(), mailgun?.close()]);
    await pool?.end();
  });

  const publish = async (org: string, def: Parameters<typeof createActiveWorkflow>[2]) => {
    const wf = await createActiveWorkflow(pool, org, def);
    const matcher = services.find((s) => s.name === 'matcher')!;
    await waitFor(
      async () => ((await (await fetch(`http://127.0.0.1:${matcher.port}/index/${wf.workflowId}`)).json()) as { present: boolean }).present,
      60_000,
      'the matcher to index the workflow',
    );
    return wf;
  };
  const smsOnJob = (title: string) => ({
    nodes: [
      { id: 't', type: 'trigger' as const, trigger: { type: 'job_created' as const, filter: { field: 'after.title', op: 'eq' as const, value: title } } },
      { id: 'sms', type: 'send_sms' as const, config: { body: 'Your technician is on the way, {{ client.name }}' } },
    ],
    edges: [{ id: 'e', source: 't', target: 'sms' }],
  });
  const textsTo = (phone: string) => telnyx.received.filter((m) => m.to === phone);
  it('STOP suppresses the next workflow SMS with its reason and is confirmed once, even when Telnyx delivers it twice; START lifts it; HELP answers', async () => {
    const org = await family.create(pool, { name: 'Ace Plumbing' });
    const phone = phoneOf(1);
    const client = await createClient(pool, org, { name: 'Grace', phone });
    await publish(org, smsOnJob('Boiler'));

    // a STOP in lower case with spaces, delivered twice (the same Telnyx message id)
    const first = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: '  stop ', id: msgId('msg-stop-1') });
    expect(first.status).toBe(200);
    expect((first.body as { handled: { organizationId: string; keyword: string; consentChanged: boolean }[] }).handled).toEqual([
      expect.objectContaining({ organizationId: org, keyword: 'stop', consentChanged: true }),
    ]);
    const again = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: '  stop ', id: msgId('msg-stop-1') });
    expect((again.body as { handled: { consentChanged: boolean }[] }).handled[0]!.consentChanged).toBe(false);
    await waitFor(async () => textsTo(phone).length >= 1 || undefined, 60_000, 'the opt-out confirmation');
    await new Promise((r) => setTimeout(r, 2000));
    expect(textsTo(phone).map((m) => m.text)).toEqual(['Ace Plumbing: you are unsubscribed and will receive no more messages. Reply START to resubscribe.']);
    const history = await pool.query(`SELECT state, source, reason FROM communication_consent_changes WHERE organization_id = $1`, [org]);
    expect(history.rows).toEqual([{ state: 'suppressed', source: 'inbound_sms', reason: 'replied STOP' }]);

    // the workflow's next SMS: suppressed, with the reason, nothing sent
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Boiler')`, [org, client]);
    let suppressed: Extract<StepResult, { kind: 'step_succeeded' }> | undefined;
    await results.until(
      (seen) =>
        !!(suppressed = seen.find(
          (r): r is Extract<StepResult, { kind: 'step_succeeded' }> => r.organizationId === org && r.kind === 'step_succeeded' && r.stepId === 'sms',
        )),
      60_000,
      'the workflow SMS step',
    );
    expect(suppressed!.delivery).toBe('suppressed');
    expect(suppressed!.output).toMatchObject({ suppressed: true, reason: 'suppressed: replied STOP' });
    expect(textsTo(phone)).toHaveLength(1);

    // an owner cannot lift a STOP the recipient sent: the API says why
    const key = await createApiKey(pool, org, 'editor');
    const refused = await fetch(`${api}/api/consent`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'sms', address: phone, state: 'allowed' }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toMatch(/only the recipient.*START/);

    // START lifts it (and is confirmed); the next SMS goes out
    await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'Start', id: msgId('msg-start-1') });
    await waitFor(async () => textsTo(phone).length >= 2 || undefined, 60_000, 'the opt-in confirmation');
    expect(textsTo(phone)[1]!.text).toMatch(/subscribed again/);
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Boiler')`, [org, client]);
    await waitFor(async () => textsTo(phone).some((m) => m.text === 'Your technician is on the way, Grace') || undefined, 60_000, 'the SMS after START');

    // HELP: the organization's own help text
    await pool.query(`UPDATE organizations SET sms_help_text = 'Ace Plumbing help: call 555-0100.' WHERE id = $1`, [org]);
    await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'HELP', id: msgId('msg-help-1') });
    await waitFor(async () => textsTo(phone).some((m) => m.text === 'Ace Plumbing help: call 555-0100.') || undefined, 60_000, 'the help answer');

    const rec = await fetch(`${api}/api/consent?channel=sms&address=${encodeURIComponent(phone)}`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await rec.json()) as { state: string; history: { state: string; source: string }[] };
    expect(body.state).toBe('allowed');
    expect(body.history.map((h) => `${h.state}/${h.source}`)).toEqual(['allowed/inbound_sms', 'suppressed/inbound_sms']);
    // the replies are executions of the organization's built-in keyword workflow, nothing of its own
    // (the step results are read from the topic: wait for the third, then check no fourth came)
    const keywordStarts = (seen: readonly StepResult[]) =>
      seen.filter((r) => r.organizationId === org && r.kind === 'execution_started' && r.workflowId === keywordRepliesWorkflowId(org));
    await results.until((seen) => keywordStarts(seen).length >= 3, 60_000, 'the three keyword replies');
    await new Promise((r) => setTimeout(r, 1000));
    expect(keywordStarts(results.seen)).toHaveLength(3);
  });

  it('refuses a forged, unsigned or stale inbound webhook, and records nothing', async () => {
    const org = await family.create(pool, { name: 'Forgery Target' });
    const phone = phoneOf(2);
    await createClient(pool, org, { name: 'Ann', phone });
    const forged = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'STOP' }, { signWith: generateKeyPairSync('ed25519').privateKey });
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ error: 'signature_mismatch' });
    const unsigned = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'STOP' }, { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ error: 'signature_missing' });
    const stale = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'STOP' }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'signature_stale' });
    const rows = await pool.query('SELECT 1 FROM communication_suppressions WHERE organization_id = $1', [org]);
    expect(rows.rowCount).toBe(0);
  });

  it('starts an sms_received workflow on a reply, with the client matched by phone and the text in the trigger', async () => {
    const org = await family.create(pool, { name: 'Reply Co' });
    const phone = phoneOf(3);
    const client = await createClient(pool, org, { name: 'Bo', phone });
    const wf = await publish(org, {
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'sms_received', filter: { field: 'data.text', op: 'contains', value: 'reschedule' } } },
        { id: 'task', type: 'create_task', config: { title: '{{ client.name }} asked: {{ trigger.text }}' } },
      ],
      edges: [{ id: 'e', source: 't', target: 'task' }],
    });
    const r = await telnyx.postInbound(inbound, { from: phone, to: NUMBER, text: 'Can we reschedule to Friday?' });
    expect(r.status).toBe(200);
    await waitFor(async () => (await pool.query(`SELECT title FROM tasks WHERE organization_id = $1`, [org])).rows[0], 60_000, 'the task of the reply');
    const task = await pool.query<{ title: string }>('SELECT title FROM tasks WHERE organization_id = $1', [org]);
    expect(task.rows.map((t) => t.title)).toEqual(['Bo asked: Can we reschedule to Friday?']);
    // the execution is about the client who texted, and carries the text (not a keyword)
    let started: StepResult | undefined;
    await results.until(
      (seen) => !!(started = seen.find((x) => x.kind === 'execution_started' && x.workflowId === wf.workflowId)),
      60_000,
      'the execution start',
    );
    expect(started).toMatchObject({ triggerData: { entityType: 'client', entityId: client, text: 'Can we reschedule to Friday?', keyword: null } });
  });

  it('puts one-click unsubscribe on every e-mail: a bad token is refused, a good one suppresses; a Mailgun complaint suppresses e-mail and not SMS', async () => {
    const org = await family.create(pool, { name: 'Mail Co' });
    const email = 'dana@example.com';
    const phone = phoneOf(4);
    const client = await createClient(pool, org, { name: 'Dana', email, phone });
    await publish(org, {
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'job_created', filter: { field: 'after.title', op: 'eq', value: 'Mail' } } },
        { id: 'mail', type: 'send_email', config: { subject: 'Hello', text: 'Hi {{ client.name }}. Unsubscribe: {{ unsubscribe_url }}' } },
        { id: 'sms', type: 'send_sms', config: { body: 'SMS for {{ client.name }}' } },
      ],
      edges: [
        { id: 'e1', source: 't', target: 'mail' },
        { id: 'e2', source: 'mail', target: 'sms' },
      ],
    });
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Mail')`, [org, client]);
    await waitFor(async () => mailgun.received.find((m) => m.to.includes(email)) ?? undefined, 60_000, 'the e-mail');
    const msg = mailgun.received.find((m) => m.to.includes(email))!;
    expect(msg.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const url = /<(http[^>]+)>/.exec(msg.headers['List-Unsubscribe'] ?? '')?.[1];
    expect(url).toMatch(new RegExp(`^${api}/unsubscribe/`));
    expect(msg.headers['List-Unsubscribe']).toMatch(/<mailto:/);
    expect(msg.text).toContain(url!);
    expect(msg.variables[MAILGUN_ORGANIZATION_VARIABLE]).toBe(org);

    // a token edited by one character is refused and changes nothing
    const bad = await fetch(`${url!.slice(0, -2)}xx`, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bad.status).toBe(400);
    expect((await pool.query('SELECT 1 FROM communication_suppressions WHERE organization_id = $1', [org])).rowCount).toBe(0);
    // the GET (a link scanner) changes nothing either: it shows the button
    const page = await fetch(url!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Unsubscribe</button>');
    expect((await pool.query('SELECT 1 FROM communication_suppressions WHERE organization_id = $1', [org])).rowCount).toBe(0);
    // the mailbox provider's one-click POST suppresses at once
    const one = await fetch(url!, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('You are unsubscribed');
    const sup = await pool.query('SELECT channel, source FROM communication_suppressions WHERE organization_id = $1', [org]);
    expect(sup.rows).toEqual([{ channel: 'email', source: 'unsubscribe_link' }]);
    // the provider retrying its POST changes nothing more: one change in the history
    const retried = await fetch(url!, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(retried.status).toBe(200);
    expect((await pool.query('SELECT 1 FROM communication_consent_changes WHERE organization_id = $1', [org])).rowCount).toBe(1);
    // resubscribe from the page
    const back = await fetch(`${url!}/resubscribe`, { method: 'POST' });
    expect(await back.text()).toContain('Unsubscribe</button>');
    expect((await pool.query('SELECT 1 FROM communication_suppressions WHERE organization_id = $1', [org])).rowCount).toBe(0);

    // a spam complaint Mailgun reports: e-mail suppressed, SMS not; a forged event is refused
    const forged = await mailgun.postEvent(
      mailgunEvents,
      { event: 'complained', recipient: email, variables: { [MAILGUN_ORGANIZATION_VARIABLE]: org } },
      { signingKey: 'wrong' },
    );
    expect(forged.status).toBe(401);
    const complaint = await mailgun.postEvent(mailgunEvents, { event: 'complained', recipient: email, variables: { [MAILGUN_ORGANIZATION_VARIABLE]: org } });
    expect(complaint.status).toBe(200);
    expect(complaint.body).toMatchObject({ suppressed: true });
    const after = await pool.query('SELECT channel, reason, source FROM communication_suppressions WHERE organization_id = $1', [org]);
    expect(after.rows).toEqual([{ channel: 'email', reason: 'complained: marked as spam', source: 'provider_event' }]);
    const before = textsTo(phone).length;
    const mailsBefore = mailgun.received.filter((m) => m.to.includes(email)).length;
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title) VALUES ($1, $2, 'Mail')`, [org, client]);
    await waitFor(async () => textsTo(phone).length > before || undefined, 60_000, 'the SMS after the complaint');
    expect(mailgun.received.filter((m) => m.to.includes(email))).toHaveLength(mailsBefore);
  });
});
