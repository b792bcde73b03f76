/**
 * `npm run bench -- matcher-scale [--workflows 1000,10000,100000] [--events 50000] [--orgs N[,N…]]
 *   [--matcher-env K=V,…] [--keep]`
 *
 * How the matcher's cost grows with the number of active workflows. For each point, on the local
 * stack's broker (PostgreSQL, Connect and ingest play no part):
 *
 * 1. `--orgs` organizations (default: one per 100 workflows, so 1,000 for 100,000) get the point's
 *    workflows, spread evenly, produced straight onto a compacted workflows topic of the bench's
 *    own as ingest publishes them (PublishedWorkflow, key = workflow id). Each organization holds
 *    the same realistic mix of trigger types (a cycle of 20: five job_created, four
 *    job_status_changed, three invoice_created, eight of other types, clock included); within a
 *    trigger type, the first workflow is the one an event starts (job_created without a filter,
 *    job_status_changed on `status changed scheduled → dispatched`, invoice_created on `amount gt
 *    100`), every other one has a filter of one of five shapes (contains, all/any, in, not, changed)
 *    the events never satisfy. Definitions are trigger → condition → email → SMS (records of ~1.7 kB).
 * 2. `--events` domain events (40 % job_created, 40 % job_status_changed, 20 % invoice_created; CDC
 *    row images as ingest emits them), each of an organization that holds workflows, are produced
 *    onto an events topic of the bench's own inside ONE open Kafka transaction: they are in the log
 *    but invisible to the matcher's read_committed consumer. Every event starts exactly one workflow
 *    (checked in-process before the run); with 100 workflows per organization an event is checked
 *    against ~21 candidates' filters.
 * 3. A fresh matcher process (MATCHER_WORKFLOWS_TOPIC/EVENTS_TOPIC/COMMANDS_TOPIC = the bench's
 *    topics, a consumer group of its own from the beginning) is started:
 *    - `index_build_ms`: process spawn → its log line "workflow index caught up" (pino time): Node and
 *      the TypeScript loader starting, Kafka connections, the follower's group join and reading,
 *      parsing (JSON, and zod for what matching reads: the record's fields, the trigger node, the
 *      settings) and indexing every workflow record;
 *    - `ready_ms`: spawn → its log line "matcher started" (HTTP up; /health/ready answers): the
 *      above plus the events consumer's join and the transactional producer's init;
 *    - memory after the index is built, the matcher idle: VmRSS (/proc/<pid>/status) and the V8
 *      heap used (nodejs_heap_size_used_bytes from its /metrics).
 * 4. Once the matcher is idle (≤ 20 ms CPU in a second, at most 10 s: the build leaves V8 GC and
 *    compiler work behind; `settle_ms`, and `idle_cpu_ms_per_s` of the last second), the bench
 *    commits the transaction and the matcher matches the backlog.
 *    `events_per_s` = events / (commit → the matcher's last transaction
 *    committed, fixlify_consumer_last_commit_timestamp_seconds; done when the group's committed
 *    offsets reach the end); `cpu_us_per_event` = (utime + stime of the matcher process, from
 *    /proc/<pid>/stat, at done − just before the commit) / events. That CPU is the whole matcher per
 *    event (fetch, JSON and zod decoding, index lookup, filters, command encoding, transactions),
 *    not only the index. The bench also times the index lookup + filter evaluation alone in its own
 *    process (`inproc_match_us_per_event`, matchEvent over the same events) and the parse + index
 *    of the same workflow records (`inproc_index_ms`), to show which part grows.
 *
 * Topics of the run (bench.matcher-scale.<run>.w<N>.*) are deleted afterwards unless --keep.
 * A table goes to stderr; one JSON line last on stdout:
 * {"bench":"matcher-scale","points":[{"workflows":1000,"index_build_ms":…,"rss_mb":…,"events_per_s":…,"cpu_us_per_event":…},…],"cpu_ratio_100k_vs_1k":…}.
 * The broker and the matcher share the machine's cores with whatever else runs: figures are noisy.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { CompressionTypes, type Admin, type Kafka, type Message } from 'kafkajs';
import {
  PublishedWorkflow,
  TOPIC_STORAGE,
  WorkflowDefinition,
  type Condition,
  type DomainEvent,
  type TriggerSpec,
  type TriggerType,
  type WorkflowDefinitionInput,
} from '@fixlify/contracts';
import { sampleSum } from '@fixlify/kafka';
import { startService, testKafka, waitFor, type ServiceProcess } from '@fixlify/testing';
import { readWorkflowValue } from '../services/matcher/src/index/indexed-workflow';
import { WorkflowIndex } from '../services/matcher/src/index/workflow-index';
import { matchEvent } from '../services/matcher/src/matching/match-event';
import { cpuMs, envList, memMb, numList, scrape, sleep } from './lib/measure';

const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const log = (msg: string, extra: Record<string, unknown> = {}): void => console.error(JSON.stringify({ at: new Date().toISOString(), msg, ...extra }));

/** deterministic pseudo-random numbers (mulberry32), so runs offer the same mix */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const MB = 1024 * 1024;

// ---- workflows

/** one organization's mix, a cycle of 20 trigger types; the first three come first so every organization can take every event type */
const TYPE_CYCLE: TriggerType[] = [
  'job_created',
  'job_status_changed',
  'invoice_created',
  'job_completed',
  'job_created',
  'job_status_changed',
  'invoice_paid',
  'client_created',
  'job_created',
  'invoice_created',
  'job_status_changed',
  'estimate_sent',
  'job_created',
  'invoice_sent',
  'client_updated',
  'job_status_changed',
  'invoice_created',
  'estimate_accepted',
  'job_created',
  'job_overdue',
];
const EVENT_TYPES = ['job_created', 'job_status_changed', 'invoice_created'] as const;
type EventType = (typeof EVENT_TYPES)[number];

/** The filter of the j-th workflow of a trigger type in an organization: j = 0 starts on the bench's events, the others never do. */
const filterOf = (type: TriggerType, j: number): Condition | undefined => {
  const shape = j % 5;
  switch (type) {
    case 'job_created':
      if (j === 0) return undefined;
      return [
        { not: { field: 'after.title', op: 'is_not_empty' } },
        { field: 'after.title', op: 'contains', value: `zzz-never-${j}` },
        {
          all: [
            { field: 'after.total', op: 'gt', value: 1_000_000 + j },
            { field: 'after.status', op: 'eq', value: 'scheduled' },
          ],
        },
        { field: 'after.status', op: 'in', value: ['completed', 'cancelled'] },
        {
          any: [
            { field: 'after.address', op: 'contains', value: `Nowhere Lane ${j}` },
            { field: 'after.technician_id', op: 'eq', value: `tech-${j}` },
          ],
        },
      ][shape] as Condition;
    case 'job_status_changed':
      if (j === 0) return { field: 'status', op: 'changed', from: 'scheduled', to: 'dispatched' };
      return [
        { field: 'data.to', op: 'in', value: ['en_route', 'in_progress'] },
        { field: 'status', op: 'changed', to: 'cancelled' },
        {
          any: [
            { field: 'data.to', op: 'eq', value: 'on_hold' },
            { field: 'after.total', op: 'lt', value: 0 },
          ],
        },
        { field: 'status', op: 'changed', from: 'in_progress', to: 'completed' },
        // the first leaf holds: the evaluation goes on to the second
        {
          all: [
            { field: 'data.to', op: 'eq', value: 'dispatched' },
            { field: 'after.technician_id', op: 'eq', value: `tech-${j}` },
          ],
        },
      ][shape] as Condition;
    case 'invoice_created':
      if (j === 0) return { field: 'after.amount', op: 'gt', value: 100 };
      return [
        { not: { field: 'after.amount', op: 'is_not_empty' } },
        { field: 'after.amount', op: 'gt', value: 1_000_000 + j },
        { field: 'after.status', op: 'eq', value: 'void' },
        {
          all: [
            { field: 'after.currency', op: 'eq', value: 'EUR' },
            { field: 'after.amount', op: 'gte', value: 500 },
          ],
        },
        { field: 'after.number', op: 'contains', value: `ZZ-${j}` },
      ][shape] as Condition;
    default:
      // types the bench sends no events of: indexed, never evaluated; half of them without a filter
      return j % 2 === 0 ? undefined : { field: 'after.status', op: 'eq', value: 'sent' };
  }
};

const definitionOf = (type: TriggerType, j: number): WorkflowDefinition => {
  const filter = filterOf(type, j);
  const trigger = (type === 'job_overdue' ? { type, config: { graceMinutes: 30 + j } } : { type }) as TriggerSpec;
  const input: WorkflowDefinitionInput = {
    nodes: [
      { id: 'trigger', type: 'trigger', trigger: filter ? { ...trigger, filter } : trigger, position: { x: 0, y: 0 } },
      { id: 'has_email', type: 'condition', config: { when: { field: 'client.email', op: 'is_not_empty' } }, position: { x: 0, y: 120 } },
      {
        id: 'email',
        type: 'send_email',
        label: 'Confirmation email',
        config: {
          subject: `{{ organization.name }}: your {{ job.title | default: "appointment" }} (${type} #${j})`,
          text:
            'Hi {{ client.name | default: "there" }},\n\nthank you for choosing {{ organization.name }}. ' +
            'Your appointment "{{ job.title }}" is booked for {{ job.scheduled_start | date: "%A %B %-d, %H:%M" }} at {{ job.address }}. ' +
            'Reply to this email or call us at {{ organization.phone }} to change it.\n\n{{ organization.name }}',
        },
        position: { x: 0, y: 240 },
      },
      {
        id: 'sms',
        type: 'send_sms',
        label: 'Reminder SMS',
        config: { body: '{{ organization.name }}: {{ job.title }} on {{ job.scheduled_start | date: "%b %-d %H:%M" }}. Reply STOP to opt out.' },
        position: { x: 0, y: 360 },
      },
    ],
    edges: [
      { id: 'e1', source: 'trigger', target: 'has_email' },
      { id: 'e2', source: 'has_email', target: 'email', branch: 'true' },
      { id: 'e3', source: 'has_email', target: 'sms', branch: 'false' },
      { id: 'e4', source: 'email', target: 'sms' },
    ],
  };
  return WorkflowDefinition.parse(input);
};

/** one organization's workflows: type and definition of each of `count` */
const organizationMix = (count: number): { type: TriggerType; definition: WorkflowDefinition }[] => {
  const seen = new Map<TriggerType, number>();
  return Array.from({ length: count }, (_, k) => {
    const type = TYPE_CYCLE[k % TYPE_CYCLE.length]!;
    const j = seen.get(type) ?? 0;
    seen.set(type, j + 1);
    return { type, definition: definitionOf(type, j) };
  });
};

// ---- events

const iso = (ms: number): string => new Date(ms).toISOString();
const jobRow = (org: string, id: string, status: string, at: number, n: number): Record<string, unknown> => ({
  id,
  organization_id: org,
  client_id: randomUUID(),
  technician_id: null,
  title: `Boiler service ${n}`,
  description: 'Annual service of the gas boiler, check the pressure and the flue.',
  status,
  scheduled_start: iso(at + 86_400_000),
  scheduled_end: iso(at + 86_400_000 + 7_200_000),
  completed_at: null,
  total: '420.00',
  address: '12 Market Street, Springfield',
  automation_execution_id: null,
  automation_depth: 0,
  created_at: iso(at),
  updated_at: iso(at),
});

const cdc = (table: string, n: number): DomainEvent['source'] => ({ kind: 'cdc', table, lsn: String(1_000_000 + n * 8), txId: String(5000 + n) });

const eventOf = (org: string, type: EventType, n: number, at: number): DomainEvent => {
  const entityId = randomUUID();
  const base = {
    v: 1 as const,
    eventId: randomUUID(),
    type,
    organizationId: org,
    entityId,
    occurredAt: iso(at),
    emittedAt: iso(at),
    workflowId: null,
    causation: null,
  };
  switch (type) {
    case 'job_created':
      return { ...base, entityType: 'job', before: null, after: jobRow(org, entityId, 'scheduled', at, n), data: {}, source: cdc('jobs', n) };
    case 'job_status_changed': {
      const before = jobRow(org, entityId, 'scheduled', at - 3_600_000, n);
      return {
        ...base,
        entityType: 'job',
        before,
        after: { ...before, status: 'dispatched', updated_at: iso(at) },
        data: { from: 'scheduled', to: 'dispatched' },
        source: cdc('jobs', n),
      };
    }
    case 'invoice_created':
      return {
        ...base,
        entityType: 'invoice',
        before: null,
        after: {
          id: entityId,
          organization_id: org,
          client_id: randomUUID(),
          job_id: randomUUID(),
          number: `INV-${100000 + n}`,
          status: 'draft',
          amount: '250.00',
          amount_paid: '0.00',
          currency: 'USD',
          due_date: iso(at + 30 * 86_400_000).slice(0, 10),
          sent_at: null,
          paid_at: null,
          automation_execution_id: null,
          automation_depth: 0,
          created_at: iso(at),
          updated_at: iso(at),
        },
        data: {},
        source: cdc('invoices', n),
      };
  }
};

// ---- one point

interface Point {
  workflows: number;
  orgs: number;
  events: number;
  workflow_bytes_avg: number;
  index_build_ms: number;
  ready_ms: number;
  /** spawn → the matcher's first log line: Node, the loader and the service's modules */
  first_log_ms: number;
  index_cpu_ms: number;
  rss_mb: number;
  heap_used_mb: number;
  events_per_s: number;
  cpu_us_per_event: number;
  match_seconds: number;
  /** CPU of the matcher in the last second before the commit (its idle cost, also spent during matching) */
  idle_cpu_ms_per_s: number;
  /** how long the matcher took to go idle after ready */
  settle_ms: number;
  rss_end_mb: number;
  rss_peak_mb: number;
  heap_used_end_mb: number;
  starts: number;
  inproc_index_ms: number;
  inproc_index_split_ms: { json_ms: number; zod_ms: number; upsert_ms: number };
  inproc_match_us_per_event: number;
  candidates_per_event: number;
  /** of the machine at the end of the point: the cores are shared */
  load_average_1m: number;
}

const createTopics = async (admin: Admin, names: { workflows: string; events: string; commands: string }): Promise<void> => {
  const storage = Object.entries(TOPIC_STORAGE).map(([name, value]) => ({ name, value }));
  await admin.createTopics({
    waitForLeaders: false,
    topics: [
      // as the workflows topic is configured (libs/contracts topic-catalog.ts)
      { topic: names.workflows, numPartitions: 6, configEntries: [{ name: 'cleanup.policy', value: 'compact' }, ...storage] },
      { topic: names.events, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(6 * 3600_000) }, ...storage] },
      { topic: names.commands, numPartitions: 6, configEntries: [{ name: 'retention.ms', value: String(6 * 3600_000) }, ...storage] },
    ],
  });
  // a just-created topic can answer UNKNOWN_TOPIC_OR_PARTITION for a moment (kafkajs' waitForLeaders gives up on it)
  for (const topic of Object.values(names))
    await waitFor(
      async () => {
        try {
          const md = await admin.fetchTopicMetadata({ topics: [topic] });
          return md.topics[0]?.partitions.length === 6 && md.topics[0].partitions.every((p) => p.leader >= 0);
        } catch {
          return false;
        }
      },
      60_000,
      `topic ${topic} to have its leaders`,
      200,
    );
};

const runPoint = async (
  kafka: Kafka,
  admin: Admin,
  o: { run: string; workflows: number; orgs: number; events: number; matcherEnv: Record<string, string>; keep: boolean },
): Promise<Point> => {
  const names = {
    workflows: `bench.matcher-scale.${o.run}.w${o.workflows}.workflows`,
    events: `bench.matcher-scale.${o.run}.w${o.workflows}.events`,
    commands: `bench.matcher-scale.${o.run}.w${o.workflows}.commands`,
  };
  const perOrg = Math.floor(o.workflows / o.orgs);
  if (perOrg < EVENT_TYPES.length) throw new Error(`${o.workflows} workflows over ${o.orgs} organizations: fewer than ${EVENT_TYPES.length} each`);
  let matcher: ServiceProcess | undefined;
  try {
    await createTopics(admin, names);
    // ---- workflows, as ingest publishes them; the remainder goes to the first organizations
    const orgs = Array.from({ length: o.orgs }, () => randomUUID());
    const mix = organizationMix(perOrg + (o.workflows % o.orgs > 0 ? 1 : 0));
    const now = new Date().toISOString();
    const records: Message[] = [];
    let bytes = 0;
    for (let i = 0; i < o.orgs; i++) {
      const count = perOrg + (i < o.workflows % o.orgs ? 1 : 0);
      for (let k = 0; k < count; k++) {
        const { type, definition } = mix[k]!;
        const w: PublishedWorkflow = {
          v: 1,
          workflowId: randomUUID(),
          organizationId: orgs[i]!,
          name: `Bench ${type} ${k}`,
          version: 1 + (k % 3),
          versionId: randomUUID(),
          triggerType: type,
          definition,
          updatedAt: now,
        };
        const value = JSON.stringify(w);
        bytes += value.length;
        records.push({ key: w.workflowId, value });
      }
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let t0 = Date.now();
    for (let i = 0; i < records.length; i += 2000)
      await producer.send({ topic: names.workflows, compression: CompressionTypes.ZSTD, messages: records.slice(i, i + 2000) });
    await producer.disconnect();
    log('workflows produced', {
      topic: names.workflows,
      workflows: records.length,
      orgs: o.orgs,
      per_org: perOrg,
      mb: round(bytes / MB, 1),
      seconds: (Date.now() - t0) / 1000,
    });

    // ---- in-process: what parsing and indexing the records costs, and the index lookup + filters alone
    // the follower's steps, each over all records: JSON.parse, the index's validation (readWorkflowValue), upsert
    t0 = performance.now();
    const raws: unknown[] = records.map((r) => JSON.parse(r.value as string));
    const t1 = performance.now();
    const parsed = raws.map((raw, i) => {
      const p = readWorkflowValue(records[i]!.key as string, raw);
      if (!p.ok) throw new Error(`a bench workflow is not read: ${p.reason}`);
      return p.workflow;
    });
    const t2 = performance.now();
    const index = new WorkflowIndex();
    for (const w of parsed) index.upsert(w);
    const t3 = performance.now();
    const inprocIndexMs = t3 - t0;
    const inprocSplit = { json_ms: round(t1 - t0), zod_ms: round(t2 - t1), upsert_ms: round(t3 - t2) };
    raws.length = 0;
    parsed.length = 0;
    const rnd = prng(o.workflows);
    const at = Date.now();
    const events: DomainEvent[] = Array.from({ length: o.events }, (_, n) => {
      const r = rnd();
      const type: EventType = r < 0.4 ? 'job_created' : r < 0.8 ? 'job_status_changed' : 'invoice_created';
      return eventOf(orgs[Math.floor(rnd() * orgs.length)]!, type, n, at + n);
    });
    let candidates = 0;
    for (const ev of events) {
      const out = matchEvent(index, ev, 3, new Date());
      candidates += index.candidates(ev.organizationId, ev.type).length;
      if (out.length !== 1 || out[0]!.kind !== 'start') throw new Error(`bench event ${ev.eventId} (${ev.type}) gave ${out.length} outcomes, not one start`);
    }
    const nowD = new Date();
    t0 = performance.now();
    for (const ev of events) matchEvent(index, ev, 3, nowD);
    const inprocMatchUs = ((performance.now() - t0) * 1000) / events.length;
    log('in-process', {
      index_ms: round(inprocIndexMs),
      match_us_per_event: round(inprocMatchUs, 2),
      candidates_per_event: round(candidates / events.length, 1),
    });
    records.length = 0;

    // ---- the events, in one open transaction: in the log, invisible to read_committed readers until the commit
    const txProducer = kafka.producer({
      transactionalId: `bench-matcher-scale-${o.run}-w${o.workflows}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 600_000,
    });
    await txProducer.connect();
    const txn = await txProducer.transaction();
    let committed = false;
    try {
      t0 = Date.now();
      for (let i = 0; i < events.length; i += 2000)
        await txn.send({
          topic: names.events,
          compression: CompressionTypes.ZSTD,
          messages: events.slice(i, i + 2000).map((ev) => ({ key: `${ev.organizationId}:${ev.entityId}`, value: JSON.stringify(ev) })),
        });
      log('events produced (transaction open)', { topic: names.events, events: events.length, seconds: (Date.now() - t0) / 1000 });
      events.length = 0;

      // ---- a fresh matcher
      const prefix = `bench-mscale-${o.run}-w${o.workflows}`;
      const lines: { t: number; msg: string; raw: string }[] = [];
      let caughtUp: { t: number; cpu: number; rss: number } | undefined;
      const tSpawn = Date.now();
      matcher = await startService(
        'matcher',
        {
          FIXLIFY_GROUP_PREFIX: prefix,
          FIXLIFY_START_FROM: 'earliest',
          FIXLIFY_INSTANCE_ID: `bench-mscale-${o.workflows}`,
          LOG_LEVEL: 'info',
          MATCHER_WORKFLOWS_TOPIC: names.workflows,
          MATCHER_EVENTS_TOPIC: names.events,
          MATCHER_COMMANDS_TOPIC: names.commands,
          ...o.matcherEnv,
        },
        `bench-mscale-matcher-w${o.workflows}`,
      );
      const m = matcher;
      const pid = m.child.pid!;
      let buf = '';
      m.child.stdout?.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const raw = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const j = JSON.parse(raw) as { time?: string; msg?: string };
            const line = { t: Date.parse(j.time ?? ''), msg: j.msg ?? '', raw };
            lines.push(line);
            if (line.msg === 'workflow index caught up' && !caughtUp) caughtUp = { t: line.t, cpu: cpuMs(pid), rss: memMb(pid).rss };
          } catch {
            lines.push({ t: Date.now(), msg: raw, raw });
          }
        }
      });
      await m.waitReady(300_000);
      const started = await waitFor(async () => lines.find((l) => l.msg.startsWith('matcher started')), 10_000, 'the matcher started line');
      if (!caughtUp) throw new Error('the matcher was ready without its "workflow index caught up" line');
      const ready = await scrape(m.port);
      const readyMem = memMb(pid);
      const indexed = ((await (await fetch(`http://127.0.0.1:${m.port}/index`)).json()) as { workflows: number }).workflows;
      if (indexed !== o.workflows) throw new Error(`the matcher indexed ${indexed} workflows, not ${o.workflows}`);
      log('matcher ready', {
        index_build_ms: caughtUp.t - tSpawn,
        ready_ms: started.t - tSpawn,
        rss_mb: round(readyMem.rss),
        heap_used_mb: round(sampleSum(ready, 'nodejs_heap_size_used_bytes') / MB),
        timeline_ms: lines.filter((l) => l.msg).map((l) => `${l.t - tSpawn} ${l.msg.slice(0, 60)}`),
      });
      // the index build leaves work behind (V8's concurrent GC and optimizing compiler): wait until the
      // matcher is idle (≤ 20 ms of CPU in a second, at most 10 s), so that work is not counted as matching's
      let cpu0 = cpuMs(pid);
      let idleCpuPerS = NaN;
      const settleStart = Date.now();
      const settleSeries: number[] = [];
      for (let k = 0; k < 10; k++) {
        await sleep(1000);
        const c = cpuMs(pid);
        idleCpuPerS = c - cpu0;
        settleSeries.push(idleCpuPerS);
        cpu0 = c;
        if (idleCpuPerS <= 20) break;
      }
      const settleMs = Date.now() - settleStart;
      log('matcher settled', { cpu_ms_per_s: settleSeries });

      // ---- matching: commit, wait for the group's committed offsets to reach the end
      const tCommit = Date.now();
      await txn.commit();
      committed = true;
      // kafkajs' admin reads the last stable offset: the end once the commit markers are written (one per
      // partition the transaction wrote to, after its records); the matcher commits up to the marker
      const ends = await waitFor(
        async () => {
          const e = await admin.fetchTopicOffsets(names.events);
          const written = e.filter((p) => Number(p.high) > 0);
          return written.reduce((a, p) => a + Number(p.high) - 1, 0) === o.events ? written : undefined;
        },
        60_000,
        'the commit markers of the events transaction',
        20,
      );
      const groupId = `${prefix}-matcher`;
      await waitFor(
        async () => {
          const offs = await admin.fetchOffsets({ groupId, topics: [names.events] });
          const byP = new Map((offs[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
          return ends.every((e) => (byP.get(e.partition) ?? -1) >= Number(e.high) - 1);
        },
        600_000,
        'the matcher to match and commit every event',
        50,
      );
      const cpu1 = cpuMs(pid);
      const endMem = memMb(pid);
      const end = await scrape(m.port);
      const lastCommit = sampleSum(end, 'fixlify_consumer_last_commit_timestamp_seconds', { consumer: 'matcher' }) * 1000;
      const starts = sampleSum(end, 'fixlify_matcher_starts_total');
      const seconds = (lastCommit - tCommit) / 1000;
      if (starts !== o.events) log('WARNING: start commands ≠ events', { starts, events: o.events });
      return {
        workflows: o.workflows,
        orgs: o.orgs,
        events: o.events,
        workflow_bytes_avg: round(bytes / o.workflows),
        index_build_ms: caughtUp.t - tSpawn,
        ready_ms: started.t - tSpawn,
        first_log_ms: (lines[0]?.t ?? NaN) - tSpawn,
        index_cpu_ms: round(caughtUp.cpu),
        rss_mb: round(readyMem.rss, 1),
        heap_used_mb: round(sampleSum(ready, 'nodejs_heap_size_used_bytes') / MB, 1),
        events_per_s: round(o.events / seconds),
        cpu_us_per_event: round(((cpu1 - cpu0) * 1000) / o.events, 1),
        match_seconds: round(seconds, 3),
        idle_cpu_ms_per_s: round(idleCpuPerS, 1),
        settle_ms: settleMs,
        rss_end_mb: round(endMem.rss, 1),
        rss_peak_mb: round(endMem.hwm, 1),
        heap_used_end_mb: round(sampleSum(end, 'nodejs_heap_size_used_bytes') / MB, 1),
        starts,
        inproc_index_ms: round(inprocIndexMs),
        inproc_index_split_ms: inprocSplit,
        inproc_match_us_per_event: round(inprocMatchUs, 2),
        candidates_per_event: round(candidates / o.events, 1),
        load_average_1m: round(loadavg()[0]!, 1),
      };
    } finally {
      if (!committed) await txn.abort().catch(() => undefined);
      await txProducer.disconnect();
    }
  } finally {
    await matcher?.kill('SIGTERM');
    if (!o.keep)
      await admin
        .deleteTopics({ topics: Object.values(names), timeout: 30_000 })
        .catch((e: unknown) => log('could not delete the bench topics', { err: String(e) }));
  }
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      workflows: { type: 'string', default: '1000,10000,100000' },
      events: { type: 'string', default: '50000' },
      orgs: { type: 'string' },
      'matcher-env': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const points = numList(values.workflows, '--workflows');
  const [events] = numList(values.events, '--events');
  const orgList = values.orgs ? numList(values.orgs, '--orgs') : points.map((w) => Math.max(1, Math.round(w / 100)));
  if (orgList.length !== 1 && orgList.length !== points.length) throw new Error('--orgs: one number, or one per point of --workflows');
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const run = `${process.pid}-${Date.now()}`;
  const results: Point[] = [];
  try {
    for (const [i, workflows] of points.entries()) {
      const orgs = orgList.length === 1 ? orgList[0]! : orgList[i]!;
      log('point', { workflows, orgs, events });
      const p = await runPoint(kafka, admin, { run, workflows, orgs, events: events!, matcherEnv: envList(values['matcher-env']), keep: values.keep });
      log('point done', { ...p });
      results.push(p);
    }
  } finally {
    await admin.disconnect();
  }

  const table = new Table({
    head: [
      'active workflows',
      'orgs',
      'index built (ms)',
      'ready (ms)',
      'RSS (MB)',
      'heap used (MB)',
      'events/s',
      'CPU µs/event',
      'in-process match µs/event',
      'candidates/event',
    ],
  });
  for (const p of results)
    table.push([
      p.workflows.toLocaleString('en'),
      p.orgs.toLocaleString('en'),
      p.index_build_ms.toLocaleString('en'),
      p.ready_ms.toLocaleString('en'),
      p.rss_mb,
      p.heap_used_mb,
      p.events_per_s.toLocaleString('en'),
      p.cpu_us_per_event,
      p.inproc_match_us_per_event,
      p.candidates_per_event,
    ]);
  console.error(table.toString());
  console.error(
    'index built: spawn → "workflow index caught up"; ready: spawn → "matcher started" (HTTP up, events consumer joined); RSS, heap: idle, index built; ' +
      'events/s, CPU µs/event: the matcher process over its matching phase (commit of the pre-produced events → its last transaction); in-process: matchEvent alone in the bench process',
  );
  const at = (w: number): Point | undefined => results.find((p) => p.workflows === w);
  const smallest = results.reduce((a, p) => (p.workflows < a.workflows ? p : a));
  const largest = results.reduce((a, p) => (p.workflows > a.workflows ? p : a));
  const k1 = at(1000);
  const k100 = at(100_000);
  console.log(
    JSON.stringify({
      bench: 'matcher-scale',
      events_per_point: events,
      points: results,
      cpu_ratio_100k_vs_1k: k1 && k100 ? round(k100.cpu_us_per_event / k1.cpu_us_per_event, 3) : null,
      cpu_ratio_largest_vs_smallest: round(largest.cpu_us_per_event / smallest.cpu_us_per_event, 3),
      inproc_match_ratio_largest_vs_smallest: round(largest.inproc_match_us_per_event / smallest.inproc_match_us_per_event, 3),
      ready_ms_100k: k100?.ready_ms ?? null,
    }),
  );
};

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
