import { ed25519FromSeed, rawEd25519PublicKey, startMailgunStandin, startSmtpStandin, startTelnyxStandin, startWebhookReceiver } from '@fixlify/testing';

/**
 * Local stand-ins for the providers that cannot be reached from a developer machine (Mailgun,
 * Telnyx, an SMTP server, a webhook receiver). They speak the providers' documented APIs and
 * keep what they received, so a newcomer sees what a workflow sent (GET /outbox on each).
 */
export const LOCAL_PROVIDER_PORTS = { mailgun: 28201, telnyx: 28202, smtp: 28203, webhooks: 28204 } as const;
export const LOCAL_PROVIDER_KEYS = { mailgun: 'local-mailgun-key', telnyx: 'local-telnyx-key' } as const;

/** the local Telnyx stand-in's webhook signing seed (hex) and the public key ingest checks its webhooks with */
export const LOCAL_TELNYX_SIGNING_SEED = '6c6f63616c2d74656c6e79782d7369676e696e672d736565642d2d2d2d2d2d21';
export const localTelnyxPublicKey = (): string => rawEd25519PublicKey(ed25519FromSeed(LOCAL_TELNYX_SIGNING_SEED).publicKey);
export const LOCAL_MAILGUN_WEBHOOK_KEY = 'local-mailgun-webhook-signing-key';
/** ingest's trigger port under `npm start`, where the stand-ins post inbound SMS and Mailgun events */
export const LOCAL_INGEST_TRIGGER_PORT = 9110;

export const localProviderEnv = (): Record<string, string> => ({
  TELNYX_PUBLIC_KEY: localTelnyxPublicKey(),
  MAILGUN_WEBHOOK_SIGNING_KEY: LOCAL_MAILGUN_WEBHOOK_KEY,
  MAILGUN_API_BASE: `http://127.0.0.1:${LOCAL_PROVIDER_PORTS.mailgun}`,
  MAILGUN_API_KEY: LOCAL_PROVIDER_KEYS.mailgun,
  MAILGUN_DOMAIN: 'mg.fixlify.local',
  MAIL_FROM: 'Fixlify Demo <no-reply@mg.fixlify.local>',
  SMTP_URL: `smtp://127.0.0.1:${LOCAL_PROVIDER_PORTS.smtp}`,
  TELNYX_API_BASE: `http://127.0.0.1:${LOCAL_PROVIDER_PORTS.telnyx}`,
  TELNYX_API_KEY: LOCAL_PROVIDER_KEYS.telnyx,
  TELNYX_FROM: '+15550100000',
  // the demo's webhook receiver is on loopback: allow exactly its port (127.0.0.1 alone would open Connect, ingest, PostgreSQL…)
  OUTBOUND_ALLOWED_HOSTS: `127.0.0.1:${LOCAL_PROVIDER_PORTS.webhooks},localhost:${LOCAL_PROVIDER_PORTS.webhooks}`,
});

export const startLocalProviders = async (): Promise<{ close: () => Promise<void> }> => {
  const mailgun = await startMailgunStandin({
    port: LOCAL_PROVIDER_PORTS.mailgun,
    apiKey: LOCAL_PROVIDER_KEYS.mailgun,
    webhookSigningKey: LOCAL_MAILGUN_WEBHOOK_KEY,
  });
  const telnyx = await startTelnyxStandin({
    port: LOCAL_PROVIDER_PORTS.telnyx,
    apiKey: LOCAL_PROVIDER_KEYS.telnyx,
    signingSeed: LOCAL_TELNYX_SIGNING_SEED,
    inboundWebhookUrl: `http://127.0.0.1:${LOCAL_INGEST_TRIGGER_PORT}/telnyx/messages`,
    defaultNumber: '+15550100000',
  });
  const smtp = await startSmtpStandin({ port: LOCAL_PROVIDER_PORTS.smtp });
  const hooks = await startWebhookReceiver({ port: LOCAL_PROVIDER_PORTS.webhooks });
  return {
    close: async () => {
      await Promise.all([mailgun.close(), telnyx.close(), smtp.close(), hooks.close()]);
    },
  };
};

if (require.main === module) {
  startLocalProviders()
    .then((p) => {
      console.log(
        `local providers: mailgun :${LOCAL_PROVIDER_PORTS.mailgun} telnyx :${LOCAL_PROVIDER_PORTS.telnyx} smtp :${LOCAL_PROVIDER_PORTS.smtp} webhooks :${LOCAL_PROVIDER_PORTS.webhooks}`,
      );
      const stop = (): void => {
        p.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
