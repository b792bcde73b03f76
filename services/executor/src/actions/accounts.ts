import type { MailgunConfig, OrgCredentials, OutboundPolicy, SmtpConfig, TelnyxConfig, VapidConfig } from '@fixlify/channels';
import type { ExecutorConfig } from '../config';

/**
 * Which account a send goes through, per provider: the organization's own (PUT /api/channels) where it
 * has one, else the deployment's (the environment). Pure: the accounts are opened by OrgAccounts.
 */
export type AccountsConfig = Pick<
  ExecutorConfig,
  | 'SMTP_URL'
  | 'SMTP_ALLOWED_PORTS'
  | 'MAIL_FROM'
  | 'MAILGUN_API_BASE'
  | 'MAILGUN_DOMAIN'
  | 'MAILGUN_API_KEY'
  | 'TELNYX_API_BASE'
  | 'TELNYX_API_KEY'
  | 'TELNYX_FROM'
  | 'VAPID_PUBLIC_KEY'
  | 'VAPID_PRIVATE_KEY'
  | 'VAPID_SUBJECT'
>;

export type AccountOwner = 'organization' | 'deployment';

/** The deployment's SMTP server (SMTP_URL, trusted: not guarded), or null when none is set. */
export const deploymentSmtp = (cfg: Pick<AccountsConfig, 'SMTP_URL' | 'MAIL_FROM'>): SmtpConfig | null => {
  if (!cfg.SMTP_URL) return null;
  const u = new URL(cfg.SMTP_URL);
  return {
    host: u.hostname,
    port: Number(u.port || 25),
    secure: u.protocol === 'smtps:',
    from: cfg.MAIL_FROM,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  };
};

/** An organization's own SMTP server: reached only on a submission port and through the outbound guard. */
export const organizationSmtp = (
  own: NonNullable<OrgCredentials['smtp']>,
  cfg: Pick<AccountsConfig, 'SMTP_ALLOWED_PORTS'>,
  policy: OutboundPolicy,
): SmtpConfig => ({
  host: own.settings.host,
  port: own.settings.port,
  secure: own.settings.secure,
  from: own.settings.from,
  auth: { user: own.settings.user, pass: own.secret },
  guard: { policy, allowedPorts: cfg.SMTP_ALLOWED_PORTS },
});

/** Mailgun: an organization's own API base goes through the outbound guard like a webhook; the deployment's is trusted. */
export const mailgunAccount = (own: OrgCredentials['mailgun'], cfg: AccountsConfig, policy: OutboundPolicy): MailgunConfig =>
  own
    ? {
        apiBase: own.settings.apiBase ?? cfg.MAILGUN_API_BASE,
        domain: own.settings.domain,
        apiKey: own.secret,
        from: own.settings.from,
        ...(own.settings.apiBase ? { policy } : {}),
      }
    : { apiBase: cfg.MAILGUN_API_BASE, domain: cfg.MAILGUN_DOMAIN, apiKey: cfg.MAILGUN_API_KEY, from: cfg.MAIL_FROM };

export type EmailRoute =
  | { provider: 'smtp'; smtp: SmtpConfig; account: AccountOwner }
  | { provider: 'mailgun'; mailgun: MailgunConfig; account: AccountOwner }
  /** the email asks for SMTP and neither the organization nor the deployment has an SMTP account */
  | { provider: 'none' };

/**
 * How an email goes: an explicit provider wins; otherwise the organization's own account (Mailgun,
 * then SMTP), then the deployment's (Mailgun, or SMTP when the deployment has no Mailgun key).
 */
export const emailRoute = (provider: unknown, acc: OrgCredentials, cfg: AccountsConfig, policy: OutboundPolicy): EmailRoute => {
  const own = acc.smtp;
  const smtp = own ? organizationSmtp(own, cfg, policy) : deploymentSmtp(cfg);
  const useSmtp = provider === 'smtp' || (provider === undefined && !acc.mailgun && (own !== undefined || (smtp !== null && cfg.MAILGUN_API_KEY === '')));
  if (useSmtp) return smtp ? { provider: 'smtp', smtp, account: own ? 'organization' : 'deployment' } : { provider: 'none' };
  return { provider: 'mailgun', mailgun: mailgunAccount(acc.mailgun, cfg, policy), account: acc.mailgun ? 'organization' : 'deployment' };
};

/** Telnyx: the organization's key, sender and messaging profile, else the deployment's; the API base is always the deployment's. */
export const telnyxAccount = (own: OrgCredentials['telnyx'], cfg: Pick<AccountsConfig, 'TELNYX_API_BASE' | 'TELNYX_API_KEY' | 'TELNYX_FROM'>): TelnyxConfig =>
  own
    ? {
        apiBase: cfg.TELNYX_API_BASE,
        apiKey: own.secret,
        from: own.settings.from,
        ...(own.settings.messagingProfileId ? { messagingProfileId: own.settings.messagingProfileId } : {}),
      }
    : { apiBase: cfg.TELNYX_API_BASE, apiKey: cfg.TELNYX_API_KEY, from: cfg.TELNYX_FROM };

/** Web Push VAPID keys, or null when the chosen account has none (the deployment's may be unset). */
export const vapidKeys = (
  own: OrgCredentials['webpush'],
  cfg: Pick<AccountsConfig, 'VAPID_PUBLIC_KEY' | 'VAPID_PRIVATE_KEY' | 'VAPID_SUBJECT'>,
): VapidConfig | null => {
  const vapid = own
    ? { publicKey: own.settings.publicKey, privateKey: own.secret, subject: own.settings.subject }
    : { publicKey: cfg.VAPID_PUBLIC_KEY, privateKey: cfg.VAPID_PRIVATE_KEY, subject: cfg.VAPID_SUBJECT };
  return vapid.publicKey && vapid.privateKey ? vapid : null;
};
