import type { Pool } from 'pg';
import type { Outbox, OutboxBox } from '@fixlify/contracts';
import type { ApiDeps } from '../deps';

const fetchOutbox = async (base: string | undefined): Promise<OutboxBox> => {
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
export const ownMessages = async (pool: Pool, organizationId: string, channel: 'email' | 'sms', box: OutboxBox): Promise<OutboxBox> => {
  const ids = box.items.map(idOf).filter((id): id is string => id !== null);
  if (ids.length === 0) return { ...box, items: [] };
  const r = await pool.query<{ id: string }>(
    `SELECT provider_message_id AS id FROM automation_deliveries WHERE organization_id = $1 AND channel = $2 AND provider_message_id = ANY($3::text[])`,
    [organizationId, channel, ids],
  );
  const mine = new Set(r.rows.map((row) => row.id));
  return { ...box, items: box.items.filter((item) => mine.has(idOf(item) ?? '')) };
};

/** GET /api/outbox: what the Mailgun and Telnyx stand-ins (OUTBOX_MAILGUN_URL / OUTBOX_TELNYX_URL) received for the caller's organization. */
export const readOutbox = async (deps: Pick<ApiDeps, 'pool' | 'cfg'>, organizationId: string): Promise<Outbox> => {
  const [email, sms] = await Promise.all([fetchOutbox(deps.cfg.OUTBOX_MAILGUN_URL), fetchOutbox(deps.cfg.OUTBOX_TELNYX_URL)]);
  const [ownEmail, ownSms] = await Promise.all([ownMessages(deps.pool, organizationId, 'email', email), ownMessages(deps.pool, organizationId, 'sms', sms)]);
  return { email: ownEmail, sms: ownSms };
};
