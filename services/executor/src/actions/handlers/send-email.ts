import { findMailgunAccepted, listUnsubscribeHeaders, sendMailgun } from '@fixlify/channels';
import { MAILGUN_ORGANIZATION_VARIABLE } from '@fixlify/contracts';
import { failed } from '@fixlify/engine';
import { emailRoute } from '../accounts';
import { isOutcome, text, type ActionHandler } from '../handler';

/** Mailgun may index an accepted event a little after answering; search from this long before the attempt. */
const RECONCILE_LOOKBACK_MS = 5 * 60_000;

export const sendEmail: ActionHandler<'send_email'> = async (req, kit) => {
  const c = req.config;
  const to = text(c.to).trim();
  const held = await kit.gate.people(req, 'email', to);
  if (held) return held;
  // one-click unsubscribe (RFC 8058) on every automated e-mail; Mailgun's events name the organization
  const unsubscribe = kit.unsubscribeUrl(req.organizationId, to);
  const msg = {
    to,
    subject: text(c.subject),
    ...(c.text !== undefined ? { text: text(c.text) } : {}),
    ...(c.html !== undefined ? { html: text(c.html) } : {}),
    headers: listUnsubscribeHeaders(unsubscribe, kit.cfg.UNSUBSCRIBE_MAILTO || null),
    variables: { [MAILGUN_ORGANIZATION_VARIABLE]: req.organizationId },
  };
  const acc = await kit.accountsOf(req);
  if (isOutcome(acc)) return acc;
  const route = emailRoute(c.provider, acc, kit.cfg, kit.policy);
  if (route.provider === 'none')
    return failed('smtp_not_configured', 'this email asks for SMTP but neither the organization nor the deployment has an SMTP account');
  const output = { to, subject: msg.subject, provider: route.provider, account: route.account };
  if (route.provider === 'smtp') {
    const sender = () => kit.smtp.of(route.account === 'organization' ? req.organizationId : '', route.smtp);
    // an SMTP server cannot be asked about a message whose answer never arrived: no reconcile
    return kit.deliver(req, 'email', async ({ beforeLastByte }) => {
      // nodemailer gives no hook before the end of DATA: "sending" is recorded before the session
      await beforeLastByte?.();
      const r = await sender().send(msg, req.stepKey);
      return { providerMessageId: r.providerMessageId, output };
    });
  }
  const mailgun = route.mailgun;
  return kit.deliver(
    req,
    'email',
    async ({ beforeLastByte }) => {
      const r = await sendMailgun(mailgun, msg, req.stepKey, beforeLastByte ? { beforeLastByte } : {});
      return { providerMessageId: r.providerMessageId, output };
    },
    // Mailgun's Events API knows what it accepted, by the step key sent as a user variable
    async ({ since }) => {
      const hit = await findMailgunAccepted(mailgun, { recipient: to, idempotencyKey: req.stepKey, since: new Date(since.getTime() - RECONCILE_LOOKBACK_MS) });
      return hit ? { providerMessageId: hit.messageId, output } : 'Mailgun has no accepted event of it (yet: Mailgun indexes events with a delay)';
    },
  );
};
