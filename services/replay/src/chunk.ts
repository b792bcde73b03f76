import {
  DomainEvent,
  type PublishedWorkflow,
  type ReplayCounts,
  type ReplayFilters,
  type RunnableStart,
  type StartOrigin,
  addReplayCounts,
  emptyReplayCounts,
} from '@fixlify/contracts';
import { decideStart, evaluateCondition, eventScope } from '@fixlify/workflow';

export interface ChunkScope {
  organizationId: string;
  workflow: PublishedWorkflow;
  filters: ReplayFilters;
  origin: StartOrigin;
  /** the replay's range (ms): offsets-for-times finds where it starts, but Kafka timestamps are not ordered, so each record is checked */
  range: { from: number; to: number };
  maxDepth: number;
  now: Date;
}

/** One message of the events topic as the scan sees it. */
export interface ScannedMessage {
  key: string | null;
  value: string | null;
  /** the record's Kafka timestamp (ms) */
  timestamp: number;
}

/**
 * The events topic is keyed `organizationId:entityId`: another organization's events are passed
 * over by their key, without being parsed, and are never counted (tenants are strangers).
 */
export const isOfOrganization = (key: string | null, organizationId: string): boolean => key !== null && key.startsWith(`${organizationId}:`);

/** The organization's events of a chunk within the replay's range, parsed once; what could not be read is counted. */
export interface ReadChunk {
  events: DomainEvent[];
  counts: ReplayCounts;
}

/**
 * A chunk of the events topic → the organization's events in the range. Parsing is most of a scan's
 * cost: a chunk is read once, then decided for every workflow it is run through (decideEvents).
 */
export const readChunk = (messages: readonly ScannedMessage[], s: Pick<ChunkScope, 'organizationId' | 'range'>): ReadChunk => {
  const counts = emptyReplayCounts();
  const events: DomainEvent[] = [];
  for (const m of messages) {
    if (!isOfOrganization(m.key, s.organizationId) || m.timestamp < s.range.from || m.timestamp >= s.range.to) continue;
    counts.scanned++;
    const ev = parse(m.value);
    if (!ev || ev.organizationId !== s.organizationId) counts.unreadable++;
    else events.push(ev);
  }
  return { events, counts };
};

/**
 * A chunk's events → the starts the replay would make and the counts of why the rest did not match.
 * The workflow's own rule first (decideStart: the live matcher's), then the replay's filters. Dedupe
 * against what already ran is the caller's (it needs the database). The counts start from the read's.
 */
export const decideEvents = (read: ReadChunk, s: ChunkScope): { starts: RunnableStart[]; counts: ReplayCounts } => {
  const counts = addReplayCounts(emptyReplayCounts(), read.counts);
  const starts: RunnableStart[] = [];
  const entityIds = s.filters.entityIds ? new Set(s.filters.entityIds) : null;
  for (const ev of read.events) {
    const d = decideStart(s.workflow, ev, { maxDepth: s.maxDepth, now: s.now, origin: s.origin });
    let reason: keyof ReplayCounts['notMatched'] | null = d.kind === 'skip' ? d.reason : null;
    if (!reason && s.filters.triggerTypes && !s.filters.triggerTypes.includes(ev.type)) reason = 'trigger_type_filter';
    if (!reason && entityIds && !(ev.entityId && entityIds.has(ev.entityId))) reason = 'entity_filter';
    if (!reason && s.filters.condition && !evaluateCondition(s.filters.condition, eventScope(ev))) reason = 'condition_filter';
    if (reason || d.kind !== 'start') {
      const r = reason ?? 'trigger_type';
      counts.notMatched[r] = (counts.notMatched[r] ?? 0) + 1;
      continue;
    }
    counts.matched++;
    starts.push(d.command);
  }
  return { starts, counts };
};

/** A chunk of the events topic → the starts and counts of one workflow (readChunk, then decideEvents). */
export const decideChunk = (messages: readonly ScannedMessage[], s: ChunkScope): { starts: RunnableStart[]; counts: ReplayCounts } =>
  decideEvents(readChunk(messages, s), s);

const parse = (value: string | null): DomainEvent | null => {
  if (value === null) return null;
  try {
    const r = DomainEvent.safeParse(JSON.parse(value));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
};

/**
 * Sorts a chunk's starts against what is already known: duplicates inside the chunk (once per
 * entity: the first event of a record enrolls it) and the sets the database gave. Adds the skip
 * counts and returns the starts that remain.
 */
export const applyDedupe = (
  starts: readonly RunnableStart[],
  counts: ReplayCounts,
  known: { alreadyExecuted: ReadonlySet<string>; alreadyReplayed: ReadonlySet<string>; alreadyEnrolled: ReadonlySet<string> },
): RunnableStart[] => {
  const out: RunnableStart[] = [];
  const seen = new Set<string>();
  const skip = (r: keyof ReplayCounts['skipped']): void => {
    counts.skipped[r] = (counts.skipped[r] ?? 0) + 1;
  };
  for (const c of starts) {
    if (known.alreadyExecuted.has(c.executionId)) skip('already_executed');
    else if (known.alreadyReplayed.has(c.executionId)) skip('already_replayed');
    else if (known.alreadyEnrolled.has(c.executionId) || seen.has(c.executionId)) skip('already_enrolled');
    else {
      seen.add(c.executionId);
      out.push(c);
    }
  }
  counts.started += out.length;
  return out;
};
