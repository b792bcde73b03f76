import { z } from 'zod';

/**
 * An organization's own provider account for a channel (its Mailgun domain, its Telnyx number, its
 * webhook signing secret…). The secret part is encrypted at rest (AES-256-GCM, bound to the
 * organization and provider) and never returned by the API; settings are plain.
 * Without a row for a provider, the executor uses the deployment's account from its environment.
 */
export const CHANNEL_PROVIDERS = ['mailgun', 'smtp', 'telnyx', 'webpush', 'webhook'] as const;
export const ChannelProvider = z.enum(CHANNEL_PROVIDERS);
export type ChannelProvider = z.infer<typeof ChannelProvider>;

const secret = (what: string, min = 1) =>
  z
    .string()
    .trim()
    .min(min, `${what} is required${min > 1 ? ` (at least ${min} characters)` : ''}`)
    .max(4096);
const sender = z.string().trim().min(3).max(320);
const E164 = /^\+[1-9]\d{1,14}$/;

export const MailgunCredentials = z
  .object({
    provider: z.literal('mailgun'),
    /** the Mailgun private API key */
    secret: secret('the Mailgun API key'),
    settings: z
      .object({
        domain: z
          .string()
          .trim()
          .min(3)
          .max(253)
          .regex(/^[a-z0-9.-]+$/i, 'a domain name such as mg.example.com'),
        from: sender,
        /**
         * https://api.mailgun.net (US) or https://api.eu.mailgun.net (EU). The executor sends to it
         * through the outbound guard (like a webhook): a private or loopback address is refused.
         */
        apiBase: z.url({ protocol: /^https?$/, error: 'an http(s) URL such as https://api.eu.mailgun.net' }).optional(),
      })
      .strict(),
  })
  .strict();

export const SmtpCredentials = z
  .object({
    provider: z.literal('smtp'),
    /** the SMTP password */
    secret: secret('the SMTP password'),
    settings: z
      .object({
        /** reached through the outbound guard: a private or loopback address is refused */
        host: z.string().trim().min(1).max(253),
        /** the executor accepts only the deployment's submission ports (SMTP_ALLOWED_PORTS: 25, 465, 587, 2525) */
        port: z.number().int().min(1).max(65535).default(587),
        /** implicit TLS (port 465); STARTTLS is used when the server offers it */
        secure: z.boolean().default(false),
        user: z.string().trim().min(1).max(320),
        from: sender,
      })
      .strict(),
  })
  .strict();

export const TelnyxCredentials = z
  .object({
    provider: z.literal('telnyx'),
    /** the Telnyx API key (Bearer) */
    secret: secret('the Telnyx API key'),
    settings: z
      .object({
        /** the sending number (E.164) */
        from: z.string().trim().regex(E164, 'an E.164 number such as +15551234567'),
        messagingProfileId: z.string().trim().min(1).max(100).optional(),
      })
      .strict(),
  })
  .strict();

export const WebPushCredentials = z
  .object({
    provider: z.literal('webpush'),
    /** the VAPID private key (base64url) */
    secret: secret('the VAPID private key'),
    settings: z
      .object({
        publicKey: z.string().trim().min(20).max(200),
        /** mailto: or https: contact of the sender (RFC 8292) */
        subject: z
          .string()
          .trim()
          .regex(/^(mailto:|https:)/, 'a mailto: or https: URL'),
      })
      .strict(),
  })
  .strict();

export const WebhookCredentials = z
  .object({
    provider: z.literal('webhook'),
    /** signs outgoing webhooks (Fixlify-Signature); receivers verify with it */
    secret: secret('the signing secret', 16),
    settings: z.object({}).strict().default({}),
  })
  .strict();

/** Body of PUT /api/channels/:provider (provider taken from the path). */
export const ChannelCredentialsInput = z.discriminatedUnion('provider', [
  MailgunCredentials,
  SmtpCredentials,
  TelnyxCredentials,
  WebPushCredentials,
  WebhookCredentials,
]);
export type ChannelCredentialsInput = z.infer<typeof ChannelCredentialsInput>;
export type ChannelSettings<P extends ChannelProvider> = Extract<ChannelCredentialsInput, { provider: P }>['settings'];
