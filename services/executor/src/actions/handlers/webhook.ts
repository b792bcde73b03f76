import { sendWebhook } from '@fixlify/channels';
import { failed } from '@fixlify/engine';
import { isInfrastructureError } from '@fixlify/engine';
import { text, type ActionHandler } from '../handler';

export const webhook: ActionHandler<'webhook'> = async (req, kit) => {
  const c = req.config;
  const held = kit.gate.throttle(req, 'webhook');
  if (held) return held;
  const body =
    c.payload !== undefined && text(c.payload).trim() !== ''
      ? text(c.payload)
      : JSON.stringify({
          executionId: req.executionId,
          workflowId: req.workflowId,
          organizationId: req.organizationId,
          event: req.context.event,
          after: req.context.after,
        });
  let signingSecrets: string[];
  try {
    signingSecrets = await kit.accounts.webhookSigningSecrets(req.organizationId);
  } catch (e) {
    // PostgreSQL away is not an unreadable secret: the batch is retried whole
    if (isInfrastructureError(e)) throw e;
    return failed(
      'credentials_unreadable',
      `the organization's webhook signing secret cannot be read or created: ${e instanceof Error ? e.message : String(e)}`,
      true,
    );
  }
  return kit.deliver(req, 'webhook', async ({ traceparent }) => {
    const r = await sendWebhook({
      url: text(c.url),
      body,
      secret: signingSecrets,
      idempotencyKey: req.stepKey,
      headers: { traceparent, ...((c.headers as Record<string, string> | undefined) ?? {}) },
      timeoutMs: 10_000,
      policy: kit.policy,
      now: kit.now(),
    });
    return { providerMessageId: null, output: { url: text(c.url), status: r.status, response: r.responseBody.slice(0, 2000) } };
  });
};
