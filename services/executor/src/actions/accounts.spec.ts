import type { OrgCredentials, OutboundPolicy } from '@fixlify/channels';
import { deploymentSmtp, emailRoute, mailgunAccount, telnyxAccount, vapidKeys, type AccountsConfig } from './accounts';

const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [] };
const cfg: AccountsConfig = {
  SMTP_URL: '',
  SMTP_ALLOWED_PORTS: [25, 465, 587, 2525],
  MAIL_FROM: 'Fixlify <no-reply@mg.example.com>',
  MAILGUN_API_BASE: 'https://api.mailgun.net',
  MAILGUN_DOMAIN: 'mg.example.com',
  MAILGUN_API_KEY: 'key-deployment',
  TELNYX_API_BASE: 'https://api.telnyx.com',
  TELNYX_API_KEY: 'tx-deployment',
  TELNYX_FROM: '+15550000000',
  VAPID_PUBLIC_KEY: 'pub-deployment',
  VAPID_PRIVATE_KEY: 'priv-deployment',
  VAPID_SUBJECT: 'mailto:ops@example.com',
};
const ownMailgun: NonNullable<OrgCredentials['mailgun']> = { secret: 'key-org', settings: { domain: 'mg.org.example', from: 'Org <hi@org.example>' } };
const ownSmtp: NonNullable<OrgCredentials['smtp']> = {
  secret: 'pw',
  settings: { host: 'smtp.org.example', port: 587, secure: false, user: 'u', from: 'Org <hi@org.example>' },
};

describe('deploymentSmtp', () => {
  it('is null without SMTP_URL', () => {
    expect(deploymentSmtp(cfg)).toBeNull();
  });

  it('reads host, port, TLS and the decoded credentials from the URL (trusted: no guard)', () => {
    expect(deploymentSmtp({ ...cfg, SMTP_URL: 'smtps://ops%40x.example:p%2Fw@mail.example:2465' })).toEqual({
      host: 'mail.example',
      port: 2465,
      secure: true,
      from: cfg.MAIL_FROM,
      auth: { user: 'ops@x.example', pass: 'p/w' },
    });
    expect(deploymentSmtp({ ...cfg, SMTP_URL: 'smtp://mail.example' })).toEqual({ host: 'mail.example', port: 25, secure: false, from: cfg.MAIL_FROM });
  });
});

describe('mailgunAccount', () => {
  it("is the deployment's without an own account", () => {
    expect(mailgunAccount(undefined, cfg, policy)).toEqual({
      apiBase: cfg.MAILGUN_API_BASE,
      domain: cfg.MAILGUN_DOMAIN,
      apiKey: 'key-deployment',
      from: cfg.MAIL_FROM,
    });
  });

  it("is the organization's, on the deployment's API base (unguarded) unless it names its own (guarded)", () => {
    expect(mailgunAccount(ownMailgun, cfg, policy)).toEqual({
      apiBase: cfg.MAILGUN_API_BASE,
      domain: 'mg.org.example',
      apiKey: 'key-org',
      from: 'Org <hi@org.example>',
    });
    const eu = mailgunAccount({ ...ownMailgun, settings: { ...ownMailgun.settings, apiBase: 'https://api.eu.mailgun.net' } }, cfg, policy);
    expect(eu).toMatchObject({ apiBase: 'https://api.eu.mailgun.net', policy });
  });
});

describe('emailRoute', () => {
  it("sends through the deployment's Mailgun by default", () => {
    expect(emailRoute(undefined, {}, cfg, policy)).toMatchObject({ provider: 'mailgun', account: 'deployment', mailgun: { apiKey: 'key-deployment' } });
  });

  it("prefers the organization's own Mailgun, then its own SMTP server (guarded, submission ports only)", () => {
    expect(emailRoute(undefined, { mailgun: ownMailgun, smtp: ownSmtp }, cfg, policy)).toMatchObject({ provider: 'mailgun', account: 'organization' });
    expect(emailRoute(undefined, { smtp: ownSmtp }, cfg, policy)).toEqual({
      provider: 'smtp',
      account: 'organization',
      smtp: {
        host: 'smtp.org.example',
        port: 587,
        secure: false,
        from: 'Org <hi@org.example>',
        auth: { user: 'u', pass: 'pw' },
        guard: { policy, allowedPorts: cfg.SMTP_ALLOWED_PORTS },
      },
    });
  });

  it("uses the deployment's SMTP only when it has no Mailgun key, or when the step asks for SMTP", () => {
    const withSmtp = { ...cfg, SMTP_URL: 'smtp://mail.example:2525' };
    expect(emailRoute(undefined, {}, withSmtp, policy)).toMatchObject({ provider: 'mailgun', account: 'deployment' });
    expect(emailRoute(undefined, {}, { ...withSmtp, MAILGUN_API_KEY: '' }, policy)).toMatchObject({
      provider: 'smtp',
      account: 'deployment',
      smtp: { host: 'mail.example', port: 2525 },
    });
    expect(emailRoute('smtp', { mailgun: ownMailgun }, withSmtp, policy)).toMatchObject({ provider: 'smtp', account: 'deployment' });
  });

  it('lets an explicit provider win', () => {
    expect(emailRoute('mailgun', { smtp: ownSmtp }, cfg, policy)).toMatchObject({ provider: 'mailgun', account: 'deployment' });
  });

  it('says so when SMTP is asked for and nobody has an SMTP account', () => {
    expect(emailRoute('smtp', {}, cfg, policy)).toEqual({ provider: 'none' });
  });
});

describe('telnyxAccount', () => {
  it("is the organization's key, sender and profile on the deployment's API base, else the deployment's", () => {
    expect(telnyxAccount(undefined, cfg)).toEqual({ apiBase: cfg.TELNYX_API_BASE, apiKey: 'tx-deployment', from: '+15550000000' });
    expect(telnyxAccount({ secret: 'tx-org', settings: { from: '+15551234567' } }, cfg)).toEqual({
      apiBase: cfg.TELNYX_API_BASE,
      apiKey: 'tx-org',
      from: '+15551234567',
    });
    expect(telnyxAccount({ secret: 'tx-org', settings: { from: '+15551234567', messagingProfileId: 'mp-1' } }, cfg)).toMatchObject({
      messagingProfileId: 'mp-1',
    });
  });
});

describe('vapidKeys', () => {
  it("is the organization's keys, else the deployment's", () => {
    expect(vapidKeys(undefined, cfg)).toEqual({ publicKey: 'pub-deployment', privateKey: 'priv-deployment', subject: 'mailto:ops@example.com' });
    expect(vapidKeys({ secret: 'priv-org', settings: { publicKey: 'pub-org', subject: 'https://org.example' } }, cfg)).toEqual({
      publicKey: 'pub-org',
      privateKey: 'priv-org',
      subject: 'https://org.example',
    });
  });

  it('is null when the keys are not set', () => {
    expect(vapidKeys(undefined, { ...cfg, VAPID_PRIVATE_KEY: '' })).toBeNull();
    expect(vapidKeys(undefined, { ...cfg, VAPID_PUBLIC_KEY: '' })).toBeNull();
  });
});
