import type { DeliveryChannel } from '@fixlify/contracts';
import type { ChannelError } from './errors';

export type { DeliveryChannel };
export type UnknownOutcomeAction = 'never_resend' | 'resend_same_key';

/**
 * What to do when we cannot know whether a send happened: the process died between the provider
 * call and the ledger record, or the call timed out after the request left.
 *
 * - email, sms, push reach people. Mailgun and SMTP servers do not deduplicate on our key, Telnyx
 *   has no idempotency key at all, and push services cannot recall a delivered notification, so a
 *   resend may mean a customer gets the same message twice. A missed reminder is the lesser harm:
 *   the step is marked failed with an "unknown outcome" reason for a person to look at.
 * - webhook and api_call reach machines that we send an Idempotency-Key to (the step key). A
 *   resend with the same key is what the receiver's deduplication is for; silently dropping an
 *   integration call is the greater harm.
 */
export const UNKNOWN_OUTCOME_POLICY: Readonly<Record<DeliveryChannel, UnknownOutcomeAction>> = Object.freeze({
  email: 'never_resend',
  sms: 'never_resend',
  push: 'never_resend',
  webhook: 'resend_same_key',
  api_call: 'resend_same_key',
});

/** Whether the executor may try this send again: the error must be retryable, and a possibly-delivered attempt must be safe to repeat. */
export function mayRetry(channel: DeliveryChannel, err: Pick<ChannelError, 'retryable' | 'maybeDelivered'>): boolean {
  if (!err.retryable) return false;
  if (!err.maybeDelivered) return true;
  return UNKNOWN_OUTCOME_POLICY[channel] === 'resend_same_key';
}
