import type { KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { inspectTelnyxSignature } from '@fixlify/channels';
import {
  TelnyxInboundWebhook,
  defaultKeywordReply,
  inboundSmsEventId,
  keywordRepliesWorkflowId,
  smsKeywordOf,
  type DomainEvent,
  type SmsKeyword,
  type SmsReceivedData,
  formatIssues,
} from '@fixlify/contracts';
import { recordConsentChange, withTransaction } from '@fixlify/db';
import type { EventEmitter } from '../emit/event-emitter';
import { InboundTriggerError } from './errors';

export interface TelnyxInboundDeps {
  pool: Pool;
  emitter: EventEmitter;
  /** the Telnyx account's public key (TELNYX_PUBLIC_KEY); without it the endpoint refuses everything */
  publicKey: KeyObject | null;
  /** the deployment's own sending number (TELNYX_FROM): organizations without a number of their own share it */
  deploymentNumber: string | null;
  toleranceSeconds: number;
}

export interface InboundSmsResult {
  messageId: string;
  /** what the message is for each organization it reached */
  handled: { organizationId: string; keyword: SmsKeyword | null; eventId: string; consentChanged: boolean }[];
  /** why it reached none (an event of another kind, a number nobody here owns) */
  ignored?: string;
}

const digits = (n: string): string => n.replace(/[\s().-]/g, '');

/** The organizations a text to `to` from `from` is meant for: the owner of the number, or on the shared number the ones that know the sender. */
const recipientsOf = async (pool: Pool, to: string, from: string, deploymentNumber: string | null): Promise<string[]> => {
  const own = await pool.query<{ organization_id: string }>(
    `SELECT organization_id FROM organization_channel_credentials WHERE provider = 'telnyx' AND regexp_replace(settings->>'from', '[\\s().-]', '', 'g') = $1`,
    [to],
  );
  if (own.rows.length > 0) return own.rows.map((r) => r.organization_id);
  if (!deploymentNumber || digits(deploymentNumber) !== to) return [];
  // the shared number: an opt-out there is an opt-out from every organization that texts this person through it
  const knowing = await pool.query<{ organization_id: string }>(
    `SELECT DISTINCT c.organization_id FROM clients c
     WHERE c.phone = $1 AND NOT EXISTS (SELECT 1 FROM organization_channel_credentials cc WHERE cc.organization_id = c.organization_id AND cc.provider = 'telnyx')`,
    [from],
  );
  return knowing.rows.map((r) => r.organization_id);
};

/**
 * Telnyx `message.received` webhook: verified (Ed25519, timestamp within the tolerance), then for each
 * organization the text is meant for: a STOP keyword suppresses SMS to the sender, START lifts it
 * (both recorded with their source in the consent history, once per Telnyx message), and the event
 * goes on the log — a keyword event names the organization's built-in keyword-replies workflow, so
 * the matcher starts the reply (the executor sends it through the ledger: once, however often Telnyx
 * redelivers); any other text is an `sms_received` event for the organization's workflows. Consent
 * and event commit together: if the broker is away the change is rolled back and Telnyx retries.
 */
export const handleTelnyxInbound = async (
  deps: TelnyxInboundDeps,
  req: { rawBody: Buffer; signature: string | undefined; timestamp: string | undefined },
  now: Date,
): Promise<InboundSmsResult> => {
  if (!deps.publicKey) throw new InboundTriggerError('not_found', 'inbound SMS is not configured on this deployment (TELNYX_PUBLIC_KEY)');
  const check = inspectTelnyxSignature(deps.publicKey, req.signature, req.timestamp, req.rawBody, Math.floor(now.getTime() / 1000), deps.toleranceSeconds);
  switch (check) {
    case 'missing':
      throw new InboundTriggerError('signature_missing', 'the telnyx-signature-ed25519 and telnyx-timestamp headers are required');
    case 'malformed':
      throw new InboundTriggerError('signature_malformed', 'telnyx-signature-ed25519 must be a base64 Ed25519 signature and telnyx-timestamp unix seconds');
    case 'stale':
      throw new InboundTriggerError('signature_stale', `the telnyx-timestamp is more than ${deps.toleranceSeconds} s from now`);
    case 'mismatch':
      throw new InboundTriggerError('signature_mismatch', "the signature does not match the body and the Telnyx account's public key");
    case 'ok':
      break;
  }
  let parsed: TelnyxInboundWebhook;
  try {
    const r = TelnyxInboundWebhook.safeParse(JSON.parse(req.rawBody.toString('utf8')));
    if (!r.success) throw new Error(formatIssues(r.error));
    parsed = r.data;
  } catch (e) {
    throw new InboundTriggerError('invalid_body', `not a Telnyx message webhook: ${(e as Error).message}`);
  }
  const p = parsed.data.payload;
  if (parsed.data.event_type !== 'message.received')
    return { messageId: p.id, handled: [], ignored: `event ${parsed.data.event_type} is not an inbound message` };
  const from = digits(p.from.phone_number);
  const to = digits(p.to[0]!.phone_number);
  const orgs = await recipientsOf(deps.pool, to, from, deps.deploymentNumber);
  if (orgs.length === 0) return { messageId: p.id, handled: [], ignored: `no organization here sends from ${to} to ${from}` };
  const keyword = smsKeywordOf(p.text);
  const handled: InboundSmsResult['handled'] = [];
  for (const organizationId of orgs) {
    const res = await withTransaction(deps.pool, async (db) => {
      const org = await db.query<{ name: string; sms_opt_out_text: string | null; sms_opt_in_text: string | null; sms_help_text: string | null }>(
        'SELECT name, sms_opt_out_text, sms_opt_in_text, sms_help_text FROM organizations WHERE id = $1',
        [organizationId],
      );
      const o = org.rows[0];
      if (!o) return null;
      const client = await db.query<{ id: string }>(
        'SELECT id FROM clients WHERE organization_id = $1 AND phone = $2 ORDER BY updated_at DESC NULLS LAST LIMIT 1',
        [organizationId, from],
      );
      let consentChanged = false;
      if (keyword === 'stop' || keyword === 'start')
        consentChanged = await recordConsentChange(db, {
          organizationId,
          channel: 'sms',
          address: from,
          state: keyword === 'stop' ? 'suppressed' : 'allowed',
          source: 'inbound_sms',
          reason: `replied ${p.text.trim().toUpperCase()}`,
          dedupeKey: `telnyx:${p.id}`,
        });
      const reply =
        keyword === null
          ? null
          : ((keyword === 'stop' ? o.sms_opt_out_text : keyword === 'start' ? o.sms_opt_in_text : o.sms_help_text) ?? defaultKeywordReply(keyword, o.name));
      const data: SmsReceivedData = { from, to, text: p.text, messageId: p.id, keyword, reply };
      const clientId = client.rows[0]?.id ?? null;
      const ev: DomainEvent = {
        v: 1,
        eventId: inboundSmsEventId(organizationId, p.id),
        type: 'sms_received',
        organizationId,
        entityType: clientId ? 'client' : 'none',
        entityId: clientId,
        before: null,
        after: null,
        occurredAt:
          parsed.data.occurred_at && !Number.isNaN(Date.parse(parsed.data.occurred_at)) ? new Date(parsed.data.occurred_at).toISOString() : now.toISOString(),
        emittedAt: now.toISOString(),
        workflowId: keyword ? keywordRepliesWorkflowId(organizationId) : null,
        causation: null,
        data,
        source: { kind: 'inbound_sms' },
      };
      await deps.emitter.emit([ev]);
      return { organizationId, keyword, eventId: ev.eventId, consentChanged };
    });
    if (res) handled.push(res);
  }
  return { messageId: p.id, handled };
};
