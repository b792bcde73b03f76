import { Body, Controller, Get, Inject, Post, Query } from '@nestjs/common';
import { ChangeConsentBody, ConsentQuery, ConsentRecord } from '@fixlify/contracts';
import { readConsent } from '@fixlify/db';
import { Caller, MinRole } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { zod } from '../http/zod.pipe';
import { changeConsent } from './consent';

/** One recipient's consent (phone or e-mail) in the caller's organization: the current state and its history. */
@Controller('api/consent')
export class ConsentController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary: "A recipient's consent on a channel: suppressed or allowed, why, whether an owner may restore it, and every change with its source and time",
    query: ConsentQuery,
    response: ConsentRecord,
    role: 'viewer',
  })
  get(@Caller() p: Principal, @Query(zod(ConsentQuery, 'query')) q: ConsentQuery): Promise<ConsentRecord> {
    return readConsent(this.deps.pool, p.organizationId, q.channel, q.address);
  }

  @Post()
  @MinRole('editor')
  @Doc({
    summary:
      "Suppress or restore a recipient by hand (recorded with source owner or api); restoring an SMS opt-out the recipient texted is refused with 409: only the recipient's START lifts it",
    body: ChangeConsentBody,
    response: ConsentRecord,
    role: 'editor',
  })
  change(@Caller() p: Principal, @Body(zod(ChangeConsentBody)) b: ChangeConsentBody): Promise<ConsentRecord> {
    return changeConsent(this.deps.pool, p, b);
  }
}
