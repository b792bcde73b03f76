import { Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { DeadLetterList, DeadLettersQuery, RedriveResult } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { notFound } from '../http/errors';
import { zod } from '../http/zod.pipe';
import { listDeadLetters } from './list-dead-letters';
import { redriveDeadLetter } from './redrive-dead-letter';

const entryId = {
  transform: (v: unknown): string =>
    typeof v === 'string' && /^\d{1,5}:\d{1,20}$/.test(v)
      ? v
      : (() => {
          throw notFound('dead letter');
        })(),
};

@Controller('api/dead-letters')
export class DeadLettersController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary:
      "The organization's messages on the dead-letter topic (origin, consumer, reason, value), newest first; viewers see values with secret-looking fields redacted",
    query: DeadLettersQuery,
    role: 'viewer',
    response: DeadLetterList,
  })
  list(@Caller() p: Principal, @Query(zod(DeadLettersQuery, 'query')) q: DeadLettersQuery): Promise<DeadLetterList> {
    return listDeadLetters(this.deps, p, q);
  }

  @Post(':id/redrive')
  @HttpCode(202)
  @Doc({ summary: 'Re-drive a dead letter: its original value goes back to its original topic with its key', role: 'editor', response: RedriveResult })
  redrive(@Caller() p: Principal, @Param('id', entryId) id: string): Promise<RedriveResult> {
    return redriveDeadLetter(this.deps, p, id);
  }
}
