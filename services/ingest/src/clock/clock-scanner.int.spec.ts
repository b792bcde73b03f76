import type { Pool } from 'pg';
import { DomainEvent, TOPICS, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { createLogger } from '@fixlify/kafka';
import { setWorkflowActive } from '@fixlify/db';
import { createActiveWorkflow, createClient, createOrganization, tailTopic, testKafka, testPool, jsonWhere } from '@fixlify/testing';
import { createEventEmitter, type EventEmitter } from '../emit/event-emitter';
import { ClockScanner } from './clock-scanner';

/**
 * The clock scanner on the real database and broker, with an injected clock: two instances tick
 * side by side through DST nights and overdue days, and every occurrence fires exactly once.
 * The clock is set in 2027-2028, ahead of the real one, so the ingest processes of other tests
 * (real time) never find these occurrences due.
 */
const log = createLogger('clock-test');
log.level = 'warn';
const MIN = 60_000;

jest.setTimeout(180_000);

describe('clock scanner (real PostgreSQL and Kafka, controllable clock)', () => {
  let pool: Pool;
  let pool2: Pool;
  let emitter: EventEmitter;
  let org: string;
  const workflows: string[] = [];

  /** remembers what each scanner got acknowledged */
  const recording = (inner: EventEmitter, into: DomainEvent[]): EventEmitter => ({
    emit: async (evs) => {
      await inner.emit(evs);
      into.push(...evs);
    },
    stop: async () => undefined,
  });
  const scanner = (p: Pool, e: EventEmitter, catchUpMs = 24 * 60 * MIN): ClockScanner =>
    new ClockScanner({ pool: p, emitter: e, log, pollMs: 1000, entityPollMs: 0, catchUpMs, batchLimit: 500, activationGraceMs: 5000, organizationIds: [org] });
  const workflow = async (trigger: Record<string, unknown>): Promise<string> => {
    const def: WorkflowDefinitionInput = {
      nodes: [
        { id: 'trigger', type: 'trigger', trigger: trigger as never },
        { id: 'task', type: 'create_task', config: { title: 'follow up' } },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'task' }],
    };
    const w = await createActiveWorkflow(pool, org, def, `clock ${String(trigger.type)}`);
    workflows.push(w.workflowId);
    return w.workflowId;
  };
  const claims = async (workflowId: string): Promise<{ entity_id: string; occurrence: string; emitted: boolean }[]> =>
    (
      await pool.query<{ entity_id: string; occurrence: string; emitted: boolean }>(
        'SELECT entity_id, occurrence, emitted_at IS NOT NULL AS emitted FROM automation_clock_occurrences WHERE workflow_id = $1 ORDER BY occurrence, entity_id',
        [workflowId],
      )
    ).rows;
  /** both instances tick at every step from `from` to `to` */
  const run = async (a: ClockScanner, b: ClockScanner, from: string, to: string, stepMin: number): Promise<void> => {
    for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += stepMin * MIN) await Promise.all([a.tick(new Date(t)), b.tick(new Date(t))]);
  };

  beforeAll(async () => {
    pool = testPool();
    pool2 = testPool();
    emitter = await createEventEmitter(testKafka());
  });

  // one organization per test: tenant isolation is test isolation
  beforeEach(async () => {
    org = await createOrganization(pool, { name: 'Clock test', timeZone: 'America/New_York' });
  });

  afterEach(async () => {
    for (const id of workflows.splice(0)) await setWorkflowActive(pool, { workflowId: id, organizationId: org, active: false });
  });

  afterAll(async () => {
    await emitter?.stop();
    await pool2?.end();
    await pool?.end();
  });

  it('recurring 02:30 Europe/Berlin: two instances, once on the fall-back night and once on the spring-forward night', async () => {
    const id = await workflow({ type: 'recurring', config: { cron: '30 2 * * *', timezone: 'Europe/Berlin' } });
    const seenA: DomainEvent[] = [];
    const seenB: DomainEvent[] = [];
    const a = scanner(pool, recording(emitter, seenA), 10 * MIN);
    const b = scanner(pool2, recording(emitter, seenB), 10 * MIN);
    // 2027-10-31: 03:00 CEST → 02:00 CET, 02:30 happens twice
    await run(a, b, '2027-10-30T22:00:00Z', '2027-10-31T03:00:00Z', 5);
    // 2028-03-26: 02:00 CET → 03:00 CEST, 02:30 does not happen (fires at 03:30)
    await run(a, b, '2028-03-25T22:00:00Z', '2028-03-26T03:00:00Z', 5);
    const all = [...seenA, ...seenB];
    expect(all.map((e) => e.occurredAt).sort()).toEqual(['2027-10-31T00:30:00.000Z', '2028-03-26T01:30:00.000Z']);
    expect(await claims(id)).toEqual([
      { entity_id: '', occurrence: '2027-10-31T00:30:00.000Z', emitted: true },
      { entity_id: '', occurrence: '2028-03-26T01:30:00.000Z', emitted: true },
    ]);
    for (const ev of all)
      expect(ev).toMatchObject({ type: 'recurring', workflowId: id, organizationId: org, entityType: 'none', entityId: null, source: { kind: 'clock' } });
    // a restarted instance (empty watermarks) finds the night already claimed
    const fresh = scanner(pool, recording(emitter, seenA), 10 * MIN);
    expect((await fresh.tick(new Date('2028-03-26T01:35:00Z'))).emitted).toEqual([]);
  });

  it('a workflow switched off and on again does not fire the occurrences it missed while off', async () => {
    const id = await workflow({ type: 'recurring', config: { cron: '0 * * * *', timezone: 'UTC' } });
    // switching off and on stamps activated_at (real time)
    const before = (await pool.query<{ activated_at: Date }>('SELECT activated_at FROM automation_workflows WHERE id = $1', [id])).rows[0]!.activated_at;
    await new Promise((r) => setTimeout(r, 20));
    await setWorkflowActive(pool, { workflowId: id, organizationId: org, active: false });
    await setWorkflowActive(pool, { workflowId: id, organizationId: org, active: true });
    const after = (await pool.query<{ activated_at: Date }>('SELECT activated_at FROM automation_workflows WHERE id = $1', [id])).rows[0]!.activated_at;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    // as if it had been switched on again at 10:30 on this test's (future) clock, after a day off
    await pool.query(`UPDATE automation_workflows SET activated_at = '2027-05-01T10:30:00Z' WHERE id = $1`, [id]);
    const seen: DomainEvent[] = [];
    await scanner(pool, recording(emitter, seen), 24 * 60 * MIN).tick(new Date('2027-05-01T12:05:00Z'));
    expect(seen.map((e) => e.occurredAt)).toEqual(['2027-05-01T11:00:00.000Z', '2027-05-01T12:00:00.000Z']);
  });

  it('job_overdue: once per job and scheduled end, with two instances; completed jobs never', async () => {
    const id = await workflow({ type: 'job_overdue', config: { graceMinutes: 30 } });
    const client = await createClient(pool, org);
    const late = (
      await pool.query<{ id: string }>(
        `INSERT INTO jobs (organization_id, client_id, title, scheduled_end) VALUES ($1, $2, 'Boiler', '2027-06-01T15:00:00Z') RETURNING id`,
        [org, client],
      )
    ).rows[0]!.id;
    await pool.query(
      `INSERT INTO jobs (organization_id, client_id, title, status, scheduled_end) VALUES ($1, $2, 'Done', 'completed', '2027-06-01T14:00:00Z')`,
      [org, client],
    );
    const seen: DomainEvent[] = [];
    const a = scanner(pool, recording(emitter, seen));
    const b = scanner(pool2, recording(emitter, seen));
    await run(a, b, '2027-06-01T15:25:00Z', '2027-06-01T15:29:00Z', 1);
    expect(seen).toEqual([]);
    await run(a, b, '2027-06-01T15:30:00Z', '2027-06-01T15:40:00Z', 1);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'job_overdue',
      entityType: 'job',
      entityId: late,
      occurredAt: '2027-06-01T15:30:00.000Z',
      after: { id: late, title: 'Boiler' },
      data: { graceMinutes: 30 },
    });
    // rescheduled: it can fall overdue again, once
    await pool.query(`UPDATE jobs SET scheduled_end = '2027-06-01T17:00:00Z' WHERE id = $1`, [late]);
    await run(a, b, '2027-06-01T17:20:00Z', '2027-06-01T17:40:00Z', 5);
    expect(seen.map((e) => e.occurredAt)).toEqual(['2027-06-01T15:30:00.000Z', '2027-06-01T17:30:00.000Z']);
    expect((await claims(id)).map((c) => c.occurrence)).toEqual(['2027-06-01T15:00:00.000Z', '2027-06-01T17:00:00.000Z']);
  });

  it("invoice_overdue: due date + days before today in the organization's time zone, once per invoice", async () => {
    const id = await workflow({ type: 'invoice_overdue', config: { daysOverdue: 2 } });
    const inv = (
      await pool.query<{ id: string }>(
        `INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-1', 'sent', 100, '2027-06-01') RETURNING id`,
        [org],
      )
    ).rows[0]!.id;
    await pool.query(`INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-2', 'draft', 100, '2027-06-01')`, [org]);
    await pool.query(`INSERT INTO invoices (organization_id, number, status, amount, due_date) VALUES ($1, 'INV-3', 'paid', 100, '2027-06-01')`, [org]);
    const seen: DomainEvent[] = [];
    const a = scanner(pool, recording(emitter, seen));
    const b = scanner(pool2, recording(emitter, seen));
    // June 3 is still due_date + 2 in New York until 04:00Z on June 4 (midnight EDT)
    await run(a, b, '2027-06-04T03:50:00Z', '2027-06-04T03:59:00Z', 1);
    expect(seen).toEqual([]);
    await run(a, b, '2027-06-04T04:00:00Z', '2027-06-04T06:00:00Z', 10);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      type: 'invoice_overdue',
      entityType: 'invoice',
      entityId: inv,
      occurredAt: '2027-06-04T04:00:00.000Z',
      data: { dueDate: '2027-06-01', daysOverdue: 2, timeZone: 'America/New_York' },
    });
    expect((await claims(id)).map((c) => [c.entity_id, c.occurrence])).toEqual([[inv, '2027-06-01']]);
  });

  it('client_inactive: no job or invoice for N days, once per quiet spell; new work re-arms it', async () => {
    const id = await workflow({ type: 'client_inactive', config: { days: 3 } });
    const quiet = await createClient(pool, org, { name: 'Quiet' });
    const busy = await createClient(pool, org, { name: 'Busy' });
    const created = (await pool.query<{ created_at: Date }>('SELECT created_at FROM clients WHERE id = $1', [quiet])).rows[0]!.created_at.getTime();
    await pool.query(`INSERT INTO jobs (organization_id, client_id, title, created_at) VALUES ($1, $2, 'Later job', $3)`, [
      org,
      busy,
      new Date(created + 24 * 60 * MIN),
    ]);
    const seen: DomainEvent[] = [];
    const a = scanner(pool, recording(emitter, seen));
    const b = scanner(pool2, recording(emitter, seen));
    const at = (minutes: number): Date => new Date(created + minutes * MIN);
    await Promise.all([a.tick(at(3 * 1440 - 5)), b.tick(at(3 * 1440 - 5))]);
    expect(seen).toEqual([]);
    await Promise.all([a.tick(at(3 * 1440 + 5)), b.tick(at(3 * 1440 + 5))]);
    expect(seen.map((e) => e.entityId)).toEqual([quiet]);
    await Promise.all([a.tick(at(4 * 1440 + 5)), b.tick(at(4 * 1440 + 5))]);
    await Promise.all([a.tick(at(4 * 1440 + 10)), b.tick(at(4 * 1440 + 10))]);
    expect(seen.map((e) => e.entityId)).toEqual([quiet, busy]);
    expect(seen[1]).toMatchObject({ type: 'client_inactive', entityType: 'client', data: { days: 3 } });
    expect(await claims(id)).toHaveLength(2);
  });

  it('a crash between the claim and the broker ack loses nothing: the next tick emits it, with the same event id', async () => {
    const id = await workflow({ type: 'scheduled', config: { at: '2027-07-01T10:00:00Z' } });
    const now = new Date('2027-07-01T10:00:30Z');
    const tail = await tailTopic(
      testKafka(),
      TOPICS.events,
      jsonWhere<DomainEvent>((e) => e.workflowId === id),
    );
    try {
      await tail.ready;
      // the broker is gone: the claim rolls back
      const down: EventEmitter = { emit: async () => Promise.reject(new Error('broker unreachable')), stop: async () => undefined };
      await expect(scanner(pool, down).tick(now)).rejects.toThrow('broker unreachable');
      expect(await claims(id)).toEqual([]);
      // the process dies after the broker acked but before the claim committed
      const firstTry: DomainEvent[] = [];
      const diesAfterSend: EventEmitter = {
        emit: async (evs) => {
          await emitter.emit(evs);
          firstTry.push(...evs);
          throw new Error('killed before commit');
        },
        stop: async () => undefined,
      };
      await expect(scanner(pool, diesAfterSend).tick(now)).rejects.toThrow('killed before commit');
      expect(await claims(id)).toEqual([]);
      // the next tick (any instance) claims and emits again: same event, so the same execution downstream
      const seen: DomainEvent[] = [];
      await Promise.all([scanner(pool, recording(emitter, seen)).tick(now), scanner(pool2, recording(emitter, seen)).tick(now)]);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.eventId).toBe(firstTry[0]!.eventId);
      expect(await claims(id)).toEqual([{ entity_id: '', occurrence: '2027-07-01T10:00:00.000Z', emitted: true }]);
      // both emissions are on the topic, valid, with one event id
      await tail.until((s) => s.length >= 2, 30_000, 'the two emissions');
      expect(tail.seen.map((e) => DomainEvent.safeParse(e).success)).toEqual([true, true]);
      expect(new Set(tail.seen.map((e) => e.eventId)).size).toBe(1);
    } finally {
      await tail.stop();
    }
  });
});
