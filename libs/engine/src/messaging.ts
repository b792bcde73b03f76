import type { Pool } from 'pg';
import { quietHoursWindowEnd } from '@fixlify/workflow';
import type { ExecutionContext } from '@fixlify/db';

export type PeopleChannel = 'email' | 'sms' | 'push';

const CONSENT_COLUMN: Record<PeopleChannel, string> = { email: 'email_consent', sms: 'sms_consent', push: 'push_consent' };

/** Why a message must not go to this recipient, or null. Opt-outs (STOP, unsubscribe) are recorded suppressions. */
export const suppressionReason = async (
  pool: Pool,
  organizationId: string,
  channel: PeopleChannel,
  address: string,
  ctx: ExecutionContext,
): Promise<string | null> => {
  const client = ctx.client;
  if (client) {
    const matches = channel === 'email' ? client.email === address : channel === 'sms' ? client.phone === address : client.id === address;
    if (matches && client[CONSENT_COLUMN[channel]] === false) return `client has no ${channel} consent`;
  }
  const res = await pool.query<{ reason: string }>(
    'SELECT reason FROM communication_suppressions WHERE organization_id = $1 AND channel = $2 AND lower(address) = lower($3)',
    [organizationId, channel, address],
  );
  return res.rows[0] ? `suppressed: ${res.rows[0].reason}` : null;
};

const hhmm = (v: unknown): string | null => (typeof v === 'string' && /^\d{2}:\d{2}/.test(v) ? v.slice(0, 5) : null);

/** When the organization's quiet hours (in the recipient's time zone) hold this message back: until when. */
export const quietHoursUntil = (ctx: ExecutionContext, now: Date): Date | null => {
  const start = hhmm(ctx.organization?.quiet_hours_start);
  const end = hhmm(ctx.organization?.quiet_hours_end);
  if (!start || !end) return null;
  const tz =
    typeof ctx.client?.time_zone === 'string' && ctx.client.time_zone
      ? ctx.client.time_zone
      : typeof ctx.organization?.time_zone === 'string'
        ? ctx.organization.time_zone
        : 'UTC';
  return quietHoursWindowEnd(now, { start, end }, tz);
};
