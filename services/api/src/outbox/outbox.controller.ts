import { Controller, Get, Inject } from '@nestjs/common';
import { Outbox } from '@fixlify/contracts';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';
import { readOutbox } from './read-outbox';

/**
 * Local development only (not registered when NODE_ENV=production): what the Mailgun and Telnyx
 * stand-ins received for the caller's organization.
 */
@Controller('api/outbox')
export class OutboxController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({
    summary: "E-mail and SMS the local provider stand-ins received for the caller's organization (development only; absent in production)",
    role: 'viewer',
    response: Outbox,
  })
  get(@Caller() p: Principal): Promise<Outbox> {
    return readOutbox(this.deps, p.organizationId);
  }
}
