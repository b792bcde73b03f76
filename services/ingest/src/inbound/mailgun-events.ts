import type { Pool } from 'pg';
import { inspectMailgunSignature } from '@fixlify/channels';
import { MAILGUN_ORGANIZATION_VARIABLE, MailgunEventWebhook, formatIssues, isUuid } from '@fixlify/contracts';
import { recordConsentChange, withTransaction } from '@fixlify/db';
import { InboundTriggerError } from './errors';

export interface MailgunEventsDeps {
  pool: Pool;
  /** Mailgun's HTTP webhook signing key (MAILGUN_WEBHOOK_SIGNING_KEY); without it the endpoint refuses everything */
  signingKey: string | null;
  toleranceSeconds: number;
}

export interface MailgunEventResult {
  eventId: string;
  suppressed: boolean;
  ignored?: string;
}

/** The events that end consent to e-mail: what a mailbox provider or Mailgun itself reports. */
const suppressionReasonOf = (e: MailgunEventWebhook['event-data']): string | null => {
  if (e.event === 'unsubscribed') return 'unsubscribed (reported by Mailgun)';
  if (e.event === 'complained') return 'complained: marked as spam';
  if (e.event === 'failed' && e.severity === 'permanent') return 'hard bounce';
  return null;
};

/**
 * Mailgun event webhook (`{ signature, event-data }`, HMAC-SHA256 of timestamp + token with the
 * signing key, timestamp within the tolerance): an unsubscribe, a spam complaint or a hard bounce
 * suppresses e-mail to the recipient for the organization named by the message's user variable
 * (set on every send). E-mail only: SMS consent is the recipient's to give by text. A redelivered
 * event (same Mailgun event id) changes nothing the second time.
 */
export const handleMailgunEvent = async (deps: MailgunEventsDeps, rawBody: Buffer, now: Date): Promise<MailgunEventResult> => {
  if (!deps.signingKey) throw new InboundTriggerError('not_found', 'Mailgun events are not configured on this deployment (MAILGUN_WEBHOOK_SIGNING_KEY)');
  let body: MailgunEventWebhook;
  try {
    const r = MailgunEventWebhook.safeParse(JSON.parse(rawBody.toString('utf8')));
    if (!r.success) {
      const sig = r.error.issues.some((i) => i.path[0] === 'signature');
      if (sig) throw new InboundTriggerError('signature_missing', 'the body must carry signature { timestamp, token, signature }');
      throw new Error(formatIssues(r.error));
    }
    body = r.data;
  } catch (e) {
    if (e instanceof InboundTriggerError) throw e;
    throw new InboundTriggerError('invalid_body', `not a Mailgun event webhook: ${(e as Error).message}`);
  }
  const check = inspectMailgunSignature(deps.signingKey, body.signature, Math.floor(now.getTime() / 1000), deps.toleranceSeconds);
  if (check === 'stale') throw new InboundTriggerError('signature_stale', `the signature timestamp is more than ${deps.toleranceSeconds} s from now`);
  if (check !== 'ok') throw new InboundTriggerError('signature_mismatch', "the signature does not match Mailgun's signing key");
  const e = body['event-data'];
  const reason = suppressionReasonOf(e);
  if (!reason) return { eventId: e.id, suppressed: false, ignored: `event ${e.event}${e.severity ? ` (${e.severity})` : ''} does not change consent` };
  const org = e['user-variables'][MAILGUN_ORGANIZATION_VARIABLE];
  if (!isUuid(org)) return { eventId: e.id, suppressed: false, ignored: 'the message names no organization (not sent by this product)' };
  const suppressed = await withTransaction(deps.pool, async (db) => {
    const known = await db.query('SELECT 1 FROM organizations WHERE id = $1', [org]);
    if (known.rowCount === 0) return false;
    return recordConsentChange(db, {
      organizationId: org as string,
      channel: 'email',
      address: e.recipient,
      state: 'suppressed',
      source: 'provider_event',
      reason,
      dedupeKey: `mailgun:${e.id}`,
    });
  });
  return { eventId: e.id, suppressed };
};
