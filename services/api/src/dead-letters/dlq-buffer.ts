import { DeadLetter } from '@fixlify/contracts';

export interface DeadLetterEntry {
  /** `<dlq partition>:<dlq offset>` */
  id: string;
  organizationId: string | null;
  deadLetter: DeadLetter;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    const org = candidates.find((c): c is string => typeof c === 'string' && UUID.test(c));
    return org?.toLowerCase() ?? null;
  } catch {
    return null;
  }
};

/** The newest dead letters, in memory (the topic is the record; re-drives are recorded in PostgreSQL). */
export class DeadLetterBuffer {
  private readonly entries = new Map<string, DeadLetterEntry>();

  constructor(private readonly max: number) {}

  add(partition: number, offset: string, raw: string): void {
    const parsed = DeadLetter.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const id = `${partition}:${offset}`;
    this.entries.set(id, { id, organizationId: organizationOf(parsed.data.value), deadLetter: parsed.data });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  list(organizationId: string, limit: number): DeadLetterEntry[] {
    const out: DeadLetterEntry[] = [];
    for (const e of this.entries.values()) if (e.organizationId === organizationId) out.push(e);
    return out.reverse().slice(0, limit);
  }

  get(organizationId: string, id: string): DeadLetterEntry | null {
    const e = this.entries.get(id);
    return e && e.organizationId === organizationId ? e : null;
  }
}
