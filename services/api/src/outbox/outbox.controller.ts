import { Controller, Get, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { Caller } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { DEPS, type ApiDeps } from '../deps';
import { Doc } from '../http/doc';

interface Box {
  configured: boolean;
  items: unknown[];
  error: string | null;
}

const fetchOutbox = async (base: string | undefined): Promise<Box> => {
  if (!base) return { configured: false, items: [], error: null };
  try {
    const r = await fetch(`${base.replace(/\/+$/, '')}/outbox`, { signal: AbortSignal.timeout(3000) });
    if (!r.ok) return { configured: true, items: [], error: `the stand-in answered ${r.status}` };
    const items = await r.json();
    return { configured: true, items: Array.isArray(items) ? [...(items as unknown[])].reverse() : [], error: null };
  } catch (e) {
    return { configured: true, items: [], error: `the stand-in cannot be reached: ${e instanceof Error ? e.message : String(e)}` };
  }
};

const idOf = (item: unknown): string | null => {
  const id = item && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : null;
};

/**
 * The stand-ins are one inbox for every organization. A message is the caller's when the executor
 * recorded sending it for the caller's organization: the delivery ledger keeps the id the provider
 * (here the stand-in) answered, per organization and channel.
 */
export const ownMessages = async (pool: Pool, organizationId: string, channel: 'email' | 'sms', box: Box): Promise<Box> => {
  const ids = box.items.map(idOf).filter((id): id is string => id !== null);
  if (ids.length === 0) return { ...box, items: [] };
  const r = await pool.query<{ id: string }>(
    `SELECT provider_message_id AS id FROM automation_deliveries WHERE organization_id = $1 AND channel = $2 AND provider_message_id = ANY($3::text[])`,
    [organizationId, channel, ids],
  );
  const mine = new Set(r.rows.map((row) => row.id));
  return { ...box, items: box.items.filter((item) => mine.has(idOf(item) ?? '')) };
};

/**
 * Local development only (not registered when NODE_ENV=production): what the Mailgun and Telnyx
 * stand-ins (OUTBOX_MAILGUN_URL / OUTBOX_TELNYX_URL) received for the caller's organization.
 */
@Controller('api/outbox')
export class OutboxController {
  constructor(@Inject(DEPS) private readonly deps: ApiDeps) {}

  @Get()
  @Doc({ summary: "E-mail and SMS the local provider stand-ins received for the caller's organization (development only; absent in production)", role: 'viewer' })
  async get(@Caller() p: Principal): Promise<unknown> {
    const [email, sms] = await Promise.all([fetchOutbox(this.deps.cfg.OUTBOX_MAILGUN_URL), fetchOutbox(this.deps.cfg.OUTBOX_TELNYX_URL)]);
    const [ownEmail, ownSms] = await Promise.all([ownMessages(this.deps.pool, p.organizationId, 'email', email), ownMessages(this.deps.pool, p.organizationId, 'sms', sms)]);
    return { email: ownEmail, sms: ownSms };
  }
}
