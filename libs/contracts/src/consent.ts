import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';

/**
 * Consent of the people an organization messages: per organization, channel and address (a phone
 * number or an e-mail address) the current state (communication_suppressions holds the opt-outs) and
 * the history of every change with its source (communication_consent_changes).
 */
export const CONSENT_CHANNELS = ['sms', 'email'] as const;
export const ConsentChannel = z.enum(CONSENT_CHANNELS);
export type ConsentChannel = z.infer<typeof ConsentChannel>;

export const CONSENT_SOURCES = [
  /** the recipient texted STOP / START to the organization's number */
  'inbound_sms',
  /** the recipient used the unsubscribe link (one-click POST, or the confirmation page) */
  'unsubscribe_link',
  /** the mailbox provider reported an unsubscribe, a complaint or a hard bounce */
  'provider_event',
  /** an owner or editor in the web app */
  'owner',
  /** an API key */
  'api',
] as const;
export const ConsentSource = z.enum(CONSENT_SOURCES);
export type ConsentSource = z.infer<typeof ConsentSource>;

export const ConsentState = z.enum(['suppressed', 'allowed']);
export type ConsentState = z.infer<typeof ConsentState>;

/** SMS keywords of the carriers' rules (CTIA, 10DLC), compared trimmed and case-insensitively. */
export const SMS_OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'] as const;
export const SMS_OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
export const SMS_HELP_KEYWORDS = ['HELP', 'INFO'] as const;
export type SmsKeyword = 'stop' | 'start' | 'help';

/** The keyword a whole inbound message is (whitespace and case ignored), or null for any other text. */
export const smsKeywordOf = (text: string): SmsKeyword | null => {
  const t = text.trim().replace(/\s+/g, ' ').toUpperCase();
  if ((SMS_OPT_OUT_KEYWORDS as readonly string[]).includes(t)) return 'stop';
  if ((SMS_OPT_IN_KEYWORDS as readonly string[]).includes(t)) return 'start';
  if ((SMS_HELP_KEYWORDS as readonly string[]).includes(t)) return 'help';
  return null;
};

/** What an organization answers to a keyword when it has not written its own text (organizations.sms_*_text). */
export const defaultKeywordReply = (keyword: SmsKeyword, organizationName: string): string => {
  switch (keyword) {
    case 'stop':
      return `${organizationName}: you are unsubscribed and will receive no more messages. Reply START to resubscribe.`;
    case 'start':
      return `${organizationName}: you are subscribed again. Reply STOP to unsubscribe, HELP for help.`;
    case 'help':
      return `${organizationName}: automated service messages. Reply STOP to unsubscribe. Msg & data rates may apply.`;
  }
};
export const MAX_KEYWORD_REPLY_LENGTH = 320;

const NAMESPACE = 'b0f3f5f4-3c1d-4f6e-8f9b-7a2d5e6c1b80';
/**
 * The built-in "keyword replies" workflow of an organization: its start commands come only from the
 * matcher, for the keyword events ingest emits (never from an organization's definition), and it is the
 * one sender allowed to text a suppressed number: the single confirmation of its STOP.
 */
export const keywordRepliesWorkflowId = (organizationId: string): string => uuidv5(`keyword-replies|${organizationId}`, NAMESPACE);
export const keywordRepliesVersionId = (organizationId: string): string => uuidv5(`keyword-replies|v1|${organizationId}`, NAMESPACE);
/** Event id of an inbound SMS for one organization: a redelivered webhook yields the same event, hence the same reply execution. */
export const inboundSmsEventId = (organizationId: string, providerMessageId: string): string =>
  uuidv5(`sms-in|${organizationId}|${providerMessageId}`, NAMESPACE);

/** Telnyx's `message.received` webhook (API v2), the fields this product reads. */
export const TelnyxInboundWebhook = z.object({
  data: z.object({
    event_type: z.string(),
    id: z.string().min(1).max(200),
    occurred_at: z.string().optional(),
    payload: z
      .object({
        id: z.string().min(1).max(200),
        direction: z.string().optional(),
        text: z.string().max(10_000).default(''),
        from: z.object({ phone_number: z.string().min(1).max(40) }),
        to: z.array(z.object({ phone_number: z.string().min(1).max(40) })).min(1),
      })
      .passthrough(),
  }),
});
export type TelnyxInboundWebhook = z.infer<typeof TelnyxInboundWebhook>;

/** The data of an `sms_received` event (`data.*` in filters and templates). */
export const SmsReceivedData = z.object({
  from: z.string(),
  to: z.string(),
  text: z.string(),
  messageId: z.string(),
  /** the keyword the message is, if any: keyword messages start only the built-in replies */
  keyword: z.enum(['stop', 'start', 'help']).nullable(),
  /** the reply the keyword calls for (built-in replies only) */
  reply: z.string().nullable().default(null),
});
export type SmsReceivedData = z.infer<typeof SmsReceivedData>;

/** Mailgun's event webhook (`signature` + `event-data`), the fields this product reads. */
export const MailgunEventWebhook = z.object({
  signature: z.object({ timestamp: z.string().regex(/^\d{1,12}$/), token: z.string().min(1).max(200), signature: z.string().regex(/^[0-9a-f]{64}$/) }),
  'event-data': z
    .object({
      id: z.string().min(1).max(200),
      event: z.string(),
      severity: z.string().optional(),
      recipient: z.string().min(3).max(500),
      'user-variables': z.record(z.string(), z.unknown()).default({}),
    })
    .passthrough(),
});
export type MailgunEventWebhook = z.infer<typeof MailgunEventWebhook>;
/** The Mailgun user variable naming the organization of a message (set on every send, copied into its events). */
export const MAILGUN_ORGANIZATION_VARIABLE = 'fixlify-organization-id';

/** Paths of the public consent endpoints. */
export const TELNYX_INBOUND_PATH = '/telnyx/messages';
export const MAILGUN_EVENTS_PATH = '/mailgun/events';
export const UNSUBSCRIBE_PATH_PREFIX = '/unsubscribe/';

/** API: one recipient's consent and its history. */
export const ConsentChange = z.object({
  state: ConsentState,
  source: ConsentSource,
  reason: z.string().nullable(),
  at: z.string(),
});
export type ConsentChange = z.infer<typeof ConsentChange>;
export const ConsentRecord = z.object({
  channel: ConsentChannel,
  address: z.string(),
  state: ConsentState,
  reason: z.string().nullable(),
  /** an SMS opt-out is lifted only by the recipient's START (carrier rules): the owner cannot restore it */
  restorableByOwner: z.boolean(),
  history: z.array(ConsentChange),
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;
export const ConsentQuery = z.object({ channel: ConsentChannel, address: z.string().trim().min(3).max(500) }).strict();
export type ConsentQuery = z.infer<typeof ConsentQuery>;
export const ChangeConsentBody = z
  .object({
    channel: ConsentChannel,
    address: z.string().trim().min(3).max(500),
    state: ConsentState,
    reason: z.string().trim().max(500).optional(),
  })
  .strict();
export type ChangeConsentBody = z.infer<typeof ChangeConsentBody>;
