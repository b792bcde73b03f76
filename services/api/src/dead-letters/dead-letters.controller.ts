import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError, notFound } from '../http/errors';
import { zod } from '../http/zod.pipe';
import { redactSecrets, redactText } from './redact';

interface Redrive {
  count: number;
  firstAt: Date;
  lastAt: Date;
  lastBy: string;
}

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const entryId = { transform: (v: unknown): string => (typeof v === 'string' && /^\d{1,5}:\d{1,20}$/.test(v) ? v : (() => { throw notFound('dead letter'); })()) };

@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: "The organization's messages on the dead-letter topic (origin, consumer, reason, value), newest first; viewers see values with secret-looking fields redacted", query: ListQuery, role: 'viewer' })
  async list(@Caller() p: Principal, @Query(zod(ListQuery, 'query')) q: z.infer<typeof ListQuery>): Promise<unknown> {
    const entries = this.deps.deadLetters.list(p.organizationId, q.limit);
    const redrives = await this.redrives(p.organizationId, entries.map((e) => e.id));
    // a dead letter's value is whatever failed (commands, CDC rows): viewers see it with its secrets replaced
    const shown = p.role === 'viewer' ? entries.map((e) => ({ ...e, deadLetter: { ...e.deadLetter, value: redactText(e.deadLetter.value), headers: redactSecrets(e.deadLetter.headers) } })) : entries;
    return { items: shown.map((e) => ({ ...e, redrive: redrives.get(e.id) ?? null })), redacted: p.role === 'viewer' };
  }

  /** Re-drives already made of these entries (any API instance, any time), by entry id. */
  private async redrives(organizationId: string, ids: string[]): Promise<Map<string, Redrive>> {
    if (ids.length === 0) return new Map();
    const r = await this.deps.pool.query<Redrive & { id: string }>(
      `SELECT dlq_partition || ':' || dlq_offset AS id, redrive_count AS count, first_redriven_at AS "firstAt", last_redriven_at AS "lastAt", last_redriven_by AS "lastBy"
         FROM automation_dead_letter_redrives WHERE organization_id = $1 AND dlq_partition || ':' || dlq_offset = ANY($2::text[])`,
      [organizationId, ids],
    );
    return new Map(r.rows.map(({ id, ...rest }) => [id, rest]));
  }

  @Post(':id/redrive')
  @HttpCode(202)
  @Doc({ summary: 'Re-drive a dead letter: its original value goes back to its original topic with its key', role: 'editor' })
  async redrive(@Caller() p: Principal, @Param('id', entryId) id: string): Promise<unknown> {
    const e = this.deps.deadLetters.get(p.organizationId, id);
    if (!e) throw notFound('dead letter');
    if (e.deadLetter.value === null) throw new ApiError('conflict', 'this dead letter has no value to re-drive');
    await this.deps.publisher.send(e.deadLetter.origin.topic, e.deadLetter.origin.key, e.deadLetter.value);
    // recorded after the send: a crash in between loses the record, not the message (consumers deduplicate by id)
    const [partition, offset] = id.split(':');
    const r = await this.deps.pool.query<Redrive>(
      `INSERT INTO automation_dead_letter_redrives (dlq_partition, dlq_offset, organization_id, origin_topic, last_redriven_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (dlq_partition, dlq_offset) DO UPDATE SET redrive_count = automation_dead_letter_redrives.redrive_count + 1, last_redriven_at = now(), last_redriven_by = EXCLUDED.last_redriven_by
       RETURNING redrive_count AS count, first_redriven_at AS "firstAt", last_redriven_at AS "lastAt", last_redriven_by AS "lastBy"`,
      [Number(partition), offset, p.organizationId, e.deadLetter.origin.topic, p.actor],
    );
    this.deps.log.info({ organizationId: p.organizationId, deadLetter: id, topic: e.deadLetter.origin.topic, actor: p.actor }, 'dead letter re-driven');
    const rec = r.rows[0]!;
    return { id, topic: e.deadLetter.origin.topic, redrivenAt: rec.lastAt, redrive: rec };
  }
}
