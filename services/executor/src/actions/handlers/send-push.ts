import type { Pool } from 'pg';
import { sendWebPush } from '@fixlify/channels';
import { failed } from '@fixlify/engine';
import { vapidKeys } from '../accounts';
import { isOutcome, text, type ActionHandler } from '../handler';

/** A person's push subscriptions (their browsers), oldest first; a message goes to the first ten. */
const pushSubscriptions = (pool: Pool, organizationId: string, userRef: string) =>
  pool.query<{ endpoint: string; p256dh: string; auth: string }>(
    'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE organization_id = $1 AND user_ref = $2 ORDER BY created_at LIMIT 10',
    [organizationId, userRef],
  );

export const sendPush: ActionHandler<'send_push_notification'> = async (req, kit) => {
  const c = req.config;
  const userRef = text(c.userRef).trim();
  const held = await kit.gate.people(req, 'push', userRef);
  if (held) return held;
  const subs = await pushSubscriptions(kit.pool, req.organizationId, userRef);
  if (subs.rowCount === 0) return { kind: 'ok', output: { userRef, sent: 0, reason: 'no push subscription' }, delivery: 'none' };
  const acc = await kit.accountsOf(req);
  if (isOutcome(acc)) return acc;
  const vapid = vapidKeys(acc.webpush, kit.cfg);
  if (!vapid) return failed('push_not_configured', 'VAPID keys are not configured (neither the organization nor the deployment has a webpush account)');
  return kit.deliver(req, 'push', async ({ beforeLastByte }) => {
    const payload = JSON.stringify({ title: text(c.title), body: text(c.body), url: c.url === undefined ? undefined : text(c.url) });
    let last: string | null = null;
    for (const sub of subs.rows) {
      const r = await sendWebPush(
        vapid,
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        payload,
        // the first subscription's request records "sending"; the hook resolves at once for the others
        { idempotencyKey: req.stepKey, policy: kit.policy, ...(beforeLastByte ? { beforeLastByte } : {}) },
      );
      last = r.providerMessageId;
    }
    return { providerMessageId: last, output: { userRef, sent: subs.rowCount, title: text(c.title) } };
  });
};
