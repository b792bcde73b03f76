import { getTelnyxMessage, sendTelnyxSms } from '@fixlify/channels';
import { telnyxAccount } from '../accounts';
import { isOutcome, text, type ActionHandler } from '../handler';

export const sendSms: ActionHandler<'send_sms'> = async (req, kit) => {
  const c = req.config;
  const to = text(c.to).trim();
  const held = await kit.gate.people(req, 'sms', to);
  if (held) return held;
  const acc = await kit.accountsOf(req);
  if (isOutcome(acc)) return acc;
  const telnyx = telnyxAccount(acc.telnyx, kit.cfg);
  const output = { to, body: text(c.body), from: telnyx.from, account: acc.telnyx ? 'organization' : 'deployment' };
  return kit.deliver(
    req,
    'sms',
    async ({ beforeLastByte }) => {
      const r = await sendTelnyxSms(telnyx, { to, text: text(c.body) }, beforeLastByte ? { beforeLastByte } : {});
      return { providerMessageId: r.providerMessageId, output };
    },
    // Telnyx can be asked by its own message id only (no lookup by a reference of ours)
    async ({ providerMessageId }) => {
      if (!providerMessageId) return 'Telnyx can only be asked by its message id, which comes with the answer that never arrived';
      const m = await getTelnyxMessage(telnyx, providerMessageId);
      if (!m) return `Telnyx does not know message ${providerMessageId}`;
      if (m.status === 'sending_failed' || m.status === 'delivery_failed') return `Telnyx reports message ${providerMessageId} as ${m.status}`;
      return { providerMessageId: m.id, output: { ...output, status: m.status } };
    },
  );
};
