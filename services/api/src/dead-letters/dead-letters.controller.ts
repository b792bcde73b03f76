import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { ApiError, notFound } from '../http/errors';
import { zod } from '../http/zod.pipe';

const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const entryId = { transform: (v: unknown): string => (typeof v === 'string' && /^\d{1,5}:\d{1,20}$/.test(v) ? v : (() => { throw notFound('dead letter'); })()) };

@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: "The organization's messages on the dead-letter topic (origin, consumer, reason, value), newest first", query: ListQuery, role: 'viewer' })
  list(@Caller() p: Principal, @Query(zod(ListQuery, 'query')) q: z.infer<typeof ListQuery>): unknown {
    return { items: this.deps.deadLetters.list(p.organizationId, q.limit) };
  }

  @Post(':id/redrive')
  @HttpCode(202)
  @Doc({ summary: 'Re-drive a dead letter: its original value goes back to its original topic with its key', role: 'editor' })
  async redrive(@Caller() p: Principal, @Param('id', entryId) id: string): Promise<unknown> {
    const e = this.deps.deadLetters.get(p.organizationId, id);
    if (!e) throw notFound('dead letter');
    if (e.deadLetter.value === null) throw new ApiError('conflict', 'this dead letter has no value to re-drive');
    await this.deps.publisher.send(e.deadLetter.origin.topic, e.deadLetter.origin.key, e.deadLetter.value);
    const at = new Date();
    this.deps.deadLetters.markRedriven(id, at);
    return { id, topic: e.deadLetter.origin.topic, redrivenAt: at.toISOString() };
  }
}
