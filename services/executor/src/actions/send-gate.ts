import type { Pool } from 'pg';
import type { DeliveryChannel } from '@fixlify/channels';
import { failed, type ActionOutcome, type ActionRequest } from '@fixlify/engine';
import type { DeliveryLedger } from '../ledger/delivery-ledger';
import { quietHoursUntil, suppressionReason, type PeopleChannel } from '@fixlify/engine';
import { isKeywordRepliesWorkflow } from '@fixlify/workflow';
import { RateLimiter } from './rate-limit';

export interface SendGate {
  /** A message to a person: null to go on, or what the step does instead (recipient missing, suppressed, quiet hours, rate). */
  people: (req: ActionRequest, channel: PeopleChannel, address: string) => Promise<ActionOutcome | null>;
  /** The organization's send rate on this channel: null to go, or when to come back. */
  throttle: (req: ActionRequest, channel: DeliveryChannel) => ActionOutcome | null;
}

/** What holds a send back before the ledger is touched: a held-back message is not a delivery. */
export const createSendGate = (deps: {
  pool: Pool;
  ledger: DeliveryLedger;
  now: () => Date;
  ratePerSecond: (channel: DeliveryChannel) => number;
}): SendGate => {
  const limiter = new RateLimiter((key) => deps.ratePerSecond(key.slice(key.indexOf('/') + 1) as DeliveryChannel));
  const throttle = (req: ActionRequest, channel: DeliveryChannel): ActionOutcome | null => {
    const a = limiter.admit(`${req.organizationId}/${channel}`, req.stepKey, deps.now().getTime());
    return a.kind === 'go' ? null : { kind: 'wait', until: a.until, reason: 'rate_limit' };
  };
  /** Consent and quiet hours come before the ledger; the rate limit last, so a held-back message spends none of it. */
  const people = async (req: ActionRequest, channel: PeopleChannel, address: string): Promise<ActionOutcome | null> => {
    if (!address) return failed('recipient_missing', `no ${channel} recipient (the template rendered empty)`);
    // the answer to a STOP, START or HELP the recipient just sent: due now, even to a number that has just opted out
    if (isKeywordRepliesWorkflow(req.organizationId, req.workflowId)) return throttle(req, channel);
    const reason = await suppressionReason(deps.pool, req.organizationId, channel, address, req.context);
    if (reason) {
      await deps.ledger.suppressed({ stepKey: req.stepKey, organizationId: req.organizationId, executionId: req.executionId, channel, reason });
      return { kind: 'ok', output: { suppressed: true, reason, to: address }, delivery: 'suppressed' };
    }
    if (channel !== 'push') {
      const until = quietHoursUntil(req.context, deps.now());
      if (until) return { kind: 'wait', until, reason: 'quiet_hours' };
    }
    return throttle(req, channel);
  };
  return { people, throttle };
};
