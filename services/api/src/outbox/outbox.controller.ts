import { Controller, Get, Inject } from '@nestjs/common';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';

const fetchOutbox = async (base: string | undefined): Promise<{ configured: boolean; items: unknown[]; error: string | null }> => {
  if (!base) return { configured: false, items: [], error: null };
  try {
    const r = await fetch(`${base.replace(/\/+$/, '')}/outbox`, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) return { configured: true, items: [], error: `the stand-in answered ${r.status}` };
    const items = (await r.json());
    return { configured: true, items: Array.isArray(items) ? [...(items as unknown[])].reverse() : [], error: null };
  } catch (e) {
    return { configured: true, items: [], error: `the stand-in cannot be reached: ${e instanceof Error ? e.message : String(e)}` };
  }
};

/**
 * Local development only: what the Mailgun and Telnyx stand-ins received (OUTBOX_MAILGUN_URL /
 * OUTBOX_TELNYX_URL). The stand-ins are one shared inbox, not per organization; production leaves both unset.
 */
@Controller('api/outbox')
export class OutboxController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: 'E-mail and SMS the local provider stand-ins received (development)', role: 'viewer' })
  async get(@Caller() _p: Principal): Promise<unknown> {
    const [email, sms] = await Promise.all([fetchOutbox(this.deps.cfg.OUTBOX_MAILGUN_URL), fetchOutbox(this.deps.cfg.OUTBOX_TELNYX_URL)]);
    return { email, sms };
  }
}
