// Provider stand-ins: real loopback servers speaking each provider's documented API.
export { ed25519FromSeed, rawEd25519PublicKey, type StandinOptions } from './http-standin';
export { startMailgunStandin, type MailgunStandin, type MailgunStandinOptions, type MailgunRecordedMessage, type MailgunEvent } from './mailgun-standin';
export { startTelnyxStandin, type TelnyxStandin, type TelnyxStandinOptions, type TelnyxRecordedMessage } from './telnyx-standin';
export { startSmtpStandin, type SmtpStandin, type SmtpStandinOptions, type SmtpRecordedMessage } from './smtp-standin';
export { startWebhookReceiver, verifyFixlifySignature, type WebhookReceiver, type ReceivedRequest } from './webhook-receiver';
export { startPushStandin, type PushStandin, type ReceivedPush, type StandinPushSubscription } from './push-standin';
export { startOtlpCollector, type OtlpCollector, type CollectedSpan } from './otlp-collector';
