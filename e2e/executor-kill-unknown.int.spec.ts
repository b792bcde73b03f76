import type { Pool } from 'pg';
import type { Kafka, Producer } from 'kafkajs';
import { OUTCOME_UNKNOWN, TOPICS, WorkflowDefinition, type Command, type StepResult } from '@fixlify/contracts';
import {
  createActiveWorkflow,
  createOrganization,
  createPrivateCommandsTopic,
  jsonWhere,
  manualStartCommand,
  startMailgunStandin,
  startService,
  startTelnyxStandin,
  tailTopic,
  testKafka,
  testPool,
  type MailgunStandin,
  type ServiceProcess,
  type TelnyxStandin,
  type TopicTail,
} from '@fixlify/testing';

jest.setTimeout(900_000);

const CONCURRENCY = 64;
/** the provider acts at once and answers this much later: requests are in flight when a kill comes */
const LATENCY_MS = 120;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface KillFigures {
  afterMs: number;
  /** ledger rows `sending` left by this kill: requests on the wire at that instant, the only ones allowed to end unknown */
  in_flight_sending: number;
  /** rows `claimed` at the kill: taken but never on the wire (before the last-byte record these would have ended unknown too) */
  claimed_not_on_wire: number;
  /** executions of this kill that ended outcome_unknown */
  unknown: number;
  /** … of which the stand-in never received the message */
  unknown_never_received: number;
  /** … settled as delivered by asking the provider */
  reconciled: number;
}

/**
 * SIGKILL the executor several times while it sends person messages through slowed provider
 * stand-ins, restarting it each time with the same instance id. Then, per kill: the requests that
 * were on the wire (ledger `sending` at the instant of the kill) are the only executions that may end
 * `outcome_unknown`, at most the executor's concurrency; none of them may be a message the stand-in
 * never received; nobody receives a message twice; every execution ends (completed or unknown).
 * Telnyx cannot be asked about a message whose answer was lost (no lookup by our reference), so those
 * end unknown; Mailgun's Events API knows what it accepted, so in-flight emails are reconciled.
 */
describe('executor: SIGKILL during person-channel sends leaves unknown only what was in flight', () => {
  let pool: Pool;
  let kafka: Kafka;
  let producer: Producer;
  let telnyx: TelnyxStandin;
  let mailgun: MailgunStandin;
  let results: TopicTail<StepResult> | null = null;
  let executor: ServiceProcess | null = null;
  const instance = `kill-unknown-${process.pid}`;
  let env: Record<string, string> = {};

  beforeAll(async () => {
    pool = testPool();
    kafka = testKafka();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    telnyx = await startTelnyxStandin({ apiKey: 'KEY_kill', latencyMs: LATENCY_MS });
    mailgun = await startMailgunStandin({ apiKey: 'key-kill', latencyMs: LATENCY_MS });
    env = {
      FIXLIFY_INSTANCE_ID: instance,
      FIXLIFY_START_FROM: 'earliest',
      EXECUTOR_TIMER_POLL_MS: '50',
      EXECUTOR_CONCURRENCY: String(CONCURRENCY),
      EXECUTOR_MAX_BYTES_PER_PARTITION: '65536',
      // no detaching of slow actions: a detached action keeps its request in flight beside the next
      // batch's, so only without it are the requests on the wire bounded by EXECUTOR_CONCURRENCY
      EXECUTOR_BATCH_DEADLINE_MS: '0',
      // the organization's send rate is not what this test is about
      EXECUTOR_CHANNEL_RATE_LIMITS: 'email=0,sms=0,push=0,webhook=0,api_call=0',
      TELNYX_API_BASE: telnyx.url,
      TELNYX_API_KEY: 'KEY_kill',
      TELNYX_FROM: '+15550001111',
      MAILGUN_API_BASE: mailgun.url,
      MAILGUN_API_KEY: 'key-kill',
      MAILGUN_DOMAIN: 'mg.kill.test',
      MAIL_FROM: 'Kill test <no-reply@mg.kill.test>',
      LOG_LEVEL: 'warn',
    };
  });

  afterEach(async () => {
    await executor?.kill('SIGTERM');
    executor = null;
    await results?.stop();
    results = null;
  });

  afterAll(async () => {
    await producer?.disconnect();
    await telnyx?.close();
    await mailgun?.close();
    await pool?.end();
  });

  const run = async (o: { channel: 'sms' | 'email'; executions: number; kills: number }) => {
    const topic = await createPrivateCommandsTopic(kafka, `executor-kill-unknown-${o.channel}`);
    const org = await createOrganization(pool, { name: `Kill unknown ${o.channel}` });
    const to = o.channel === 'sms' ? '+1555{{ trigger.phone }}' : 'customer{{ trigger.n }}@example.com';
    const step =
      o.channel === 'sms'
        ? { id: 'msg', type: 'send_sms', config: { to, body: 'Reminder {{ trigger.n }}' } }
        : { id: 'msg', type: 'send_email', config: { to, subject: 'Reminder {{ trigger.n }}', text: 'See you tomorrow' } };
    const definition = WorkflowDefinition.parse({
      nodes: [{ id: 't', type: 'trigger', trigger: { type: 'manual' } }, step],
      edges: [{ id: 'e', source: 't', target: 'msg' }],
    });
    const wf = await createActiveWorkflow(pool, org, definition);
    results = await tailTopic(
      kafka,
      TOPICS.stepResults,
      jsonWhere<StepResult>((r) => r.organizationId === org),
    );
    await results.ready;
    const tail = results;
    const now = new Date().toISOString();
    const commands: Command[] = Array.from({ length: o.executions }, (_, n) =>
      manualStartCommand(org, wf, definition, { at: now, data: { n, phone: String(n).padStart(7, '0') } }),
    );
    const nOf = new Map(commands.map((c, n) => [c.executionId, n]));

    const start = () => startService('executor', { ...env, EXECUTOR_COMMANDS_TOPIC: topic }, `exec-kill-unknown-${o.channel}`);
    executor = await start();
    await executor.waitReady(90_000);
    for (let i = 0; i < commands.length; i += 500)
      await producer.send({ topic, messages: commands.slice(i, i + 500).map((c) => ({ key: c.executionId, value: JSON.stringify(c) })) });

    const ended = () => new Set(tail.seen.filter((r) => r.kind === 'execution_completed' || r.kind === 'execution_failed').map((r) => r.executionId)).size;
    const sendingAt = async (): Promise<{ sending: Set<string>; claimed: number }> => {
      const r = await pool.query<{ execution_id: string; status: string }>(
        `SELECT execution_id, status FROM automation_deliveries WHERE organization_id = $1 AND status IN ('sending', 'claimed')`,
        [org],
      );
      return {
        sending: new Set(r.rows.filter((x) => x.status === 'sending').map((x) => x.execution_id)),
        claimed: r.rows.filter((x) => x.status === 'claimed').length,
      };
    };
    const kills: { afterMs: number; sending: Set<string>; claimed: number }[] = [];
    const seenSending = new Set<string>();
    for (let k = 0; k < o.kills; k++) {
      // after a restart the consumer group first waits out the dead member: kill only once sends are in flight again
      const afterMs = 200 + Math.random() * 1500;
      await sleep(afterMs);
      const busyFrom = Date.now();
      while (telnyx.unanswered + mailgun.unanswered === 0 && ended() < o.executions && Date.now() - busyFrom < 120_000) await sleep(5);
      // then anywhere within a provider round trip
      await sleep(Math.random() * LATENCY_MS);
      if (ended() >= o.executions) break;
      await executor.kill('SIGKILL');
      // the process is gone: what the ledger says now is what the kill left
      const at = await sendingAt();
      const fresh = new Set([...at.sending].filter((id) => !seenSending.has(id)));
      for (const id of fresh) seenSending.add(id);
      kills.push({ afterMs: Math.round(afterMs), sending: fresh, claimed: at.claimed });
      executor = await start();
      await executor.waitReady(90_000);
    }
    await tail.until(() => ended() >= o.executions, 600_000, `${o.executions} ended executions`);
    // a moment for anything that would come twice
    await sleep(2000);

    const received = new Map<number, number>();
    const count = (n: number) => received.set(n, (received.get(n) ?? 0) + 1);
    if (o.channel === 'sms') for (const m of telnyx.received) count(Number(/Reminder (\d+)/.exec(m.text)?.[1]));
    else for (const m of mailgun.received) count(Number(/Reminder (\d+)/.exec(m.subject)?.[1]));

    const unknown = new Set<string>();
    const otherFailures: string[] = [];
    const reconciled = new Set<string>();
    for (const r of tail.seen) {
      if (r.kind === 'execution_failed') {
        if (r.error.code === OUTCOME_UNKNOWN) unknown.add(r.executionId);
        else otherFailures.push(`${r.executionId}: ${r.error.code} ${r.error.message}`);
      }
      if (r.kind === 'step_succeeded' && r.output.reconciled === true) reconciled.add(r.executionId);
    }
    const perKill: KillFigures[] = kills.map((k) => {
      const u = [...k.sending].filter((id) => unknown.has(id));
      return {
        afterMs: k.afterMs,
        in_flight_sending: k.sending.size,
        claimed_not_on_wire: k.claimed,
        unknown: u.length,
        unknown_never_received: u.filter((id) => !received.has(nOf.get(id)!)).length,
        reconciled: [...k.sending].filter((id) => reconciled.has(id)).length,
      };
    });
    const completed = new Set(tail.seen.filter((r) => r.kind === 'execution_completed').map((r) => r.executionId));
    const figures = {
      measure: 'kill_unknown_outcomes',
      channel: o.channel,
      executions: o.executions,
      concurrency: CONCURRENCY,
      provider_latency_ms: LATENCY_MS,
      kills: perKill,
      completed: completed.size,
      unknown: unknown.size,
      unknown_not_from_a_kill: [...unknown].filter((id) => !seenSending.has(id)).length,
      unknown_never_received: [...unknown].filter((id) => !received.has(nOf.get(id)!)).length,
      reconciled: reconciled.size,
      received_twice: [...received.values()].filter((c) => c > 1).length,
      never_received_but_completed: [...completed].filter((id) => !received.has(nOf.get(id)!)).length,
      other_failures: otherFailures.length,
    };
    console.log(JSON.stringify(figures));

    expect(otherFailures.slice(0, 5)).toEqual([]);
    expect(completed.size + unknown.size).toBe(o.executions);
    expect(figures.received_twice).toBe(0);
    expect(figures.never_received_but_completed).toBe(0);
    // unknown_never_received is printed, not asserted: between the commit of "sending" and the write of
    // the last byte (the database's answer on its way back, an event loop busy elsewhere) a kill leaves
    // a row "sending" for a request the provider never had complete. Telnyx cannot be asked, so those
    // end unknown; on a loaded machine that window is not small (see the README's measured figures).
    // an unknown outcome can only come from a request on the wire at a kill…
    expect(figures.unknown_not_from_a_kill).toBe(0);
    for (const k of perKill) {
      // …of which there are at most the concurrency
      expect(k.in_flight_sending).toBeLessThanOrEqual(CONCURRENCY);
      expect(k.unknown).toBeLessThanOrEqual(CONCURRENCY);
    }
    return { figures, kills };
  };

  it('SMS (Telnyx cannot be asked): unknown only for the requests on the wire at each kill', async () => {
    const { figures, kills } = await run({ channel: 'sms', executions: 5000, kills: 5 });
    // the kills did catch sends in flight, or the test proved nothing
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(kills.reduce((n, k) => n + k.sending.size, 0)).toBeGreaterThan(0);
    // nothing asks Telnyx by a reference of ours: every in-flight SMS stays unknown
    expect(figures.unknown).toBe(figures.kills.reduce((n, k) => n + k.in_flight_sending, 0));
  });

  it('email (Mailgun Events API): in-flight sends are reconciled, not left unknown', async () => {
    const { figures, kills } = await run({ channel: 'email', executions: 1500, kills: 3 });
    expect(kills.reduce((n, k) => n + k.sending.size, 0)).toBeGreaterThan(0);
    // every in-flight email that reached Mailgun is found in its events: none of those stays unknown
    expect(figures.unknown - figures.unknown_never_received).toBe(0);
    expect(figures.reconciled + figures.unknown).toBe(figures.kills.reduce((n, k) => n + k.in_flight_sending, 0));
  });
});
