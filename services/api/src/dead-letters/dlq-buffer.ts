import { DeadLetter, isUuid } from '@fixlify/contracts';

export interface DeadLetterEntry {
  /** `<dlq partition>:<dlq offset>` */
  id: string;
  organizationId: string | null;
  deadLetter: DeadLetter;
}

/**
 * Which organization a dead letter belongs to: the original message's `organizationId` (topic
 * messages) or `organization_id` of the row (CDC). Unknown → shown to nobody through the API.
 */
export const organizationOf = (value: string | null): string | null => {
  if (!value) return null;
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    const pick = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);
    const candidates = [
      pick(v, 'organizationId'),
      pick(pick(v, 'after'), 'organization_id'),
      pick(pick(v, 'before'), 'organization_id'),
      pick(pick(pick(v, 'payload'), 'after'), 'organization_id'),
      pick(pick(pick(v, 'payload'), 'before'), 'organization_id'),
    ];
    const org = candidates.find((c): c is string => isUuid(c));
    return org?.toLowerCase() ?? null;
  } catch {
    return null;
  }
};

/**
 * The newest dead letters, in memory (the topic is the record; re-drives are recorded in PostgreSQL).
 * Bounded in total and per organization, and a full buffer makes room by dropping the oldest entry
 * of the organization that holds the most: one organization's flood of dead letters pushes out its
 * own, never another's.
 */
export class DeadLetterBuffer {
  private readonly entries = new Map<string, DeadLetterEntry>();
  /** entries by organization ('' for unknown), oldest first */
  private readonly byOrg = new Map<string, Map<string, DeadLetterEntry>>();

  constructor(
    private readonly max: number,
    private readonly maxPerOrg: number = max,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(partition: number, offset: string, raw: string): void {
    const parsed = DeadLetter.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const id = `${partition}:${offset}`;
    // the reader may read the topic again from the beginning (a replaced consumer): same position, same entry
    if (this.entries.has(id)) this.remove(id);
    const entry: DeadLetterEntry = { id, organizationId: organizationOf(parsed.data.value), deadLetter: parsed.data };
    const key = entry.organizationId ?? '';
    const group = this.byOrg.get(key) ?? new Map<string, DeadLetterEntry>();
    this.byOrg.set(key, group);
    group.set(id, entry);
    this.entries.set(id, entry);
    while (group.size > this.maxPerOrg) this.remove(group.keys().next().value!);
    while (this.entries.size > this.max) {
      let most = 0;
      for (const g of this.byOrg.values()) most = Math.max(most, g.size);
      // the oldest entry of an organization holding the most (the oldest of all among equals)
      let victim: string | undefined;
      for (const e of this.entries.values()) {
        if (this.byOrg.get(e.organizationId ?? '')?.size === most) {
          victim = e.id;
          break;
        }
      }
      if (victim === undefined) break;
      this.remove(victim);
    }
  }

  private remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    const key = e.organizationId ?? '';
    const group = this.byOrg.get(key);
    group?.delete(id);
    if (group?.size === 0) this.byOrg.delete(key);
  }

  list(organizationId: string, limit: number): DeadLetterEntry[] {
    const group = this.byOrg.get(organizationId);
    return group ? [...group.values()].reverse().slice(0, limit) : [];
  }

  get(organizationId: string, id: string): DeadLetterEntry | null {
    const e = this.entries.get(id);
    return e && e.organizationId === organizationId ? e : null;
  }
}
