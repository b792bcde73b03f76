import { isChannelError, mayRetry, UNKNOWN_OUTCOME_POLICY, type DeliveryChannel } from '@fixlify/channels';
import { OUTCOME_UNKNOWN } from '@fixlify/contracts';
import { formatTraceparent, identityAttributes, startSpan } from '@fixlify/kafka';
import { failed, type ActionOutcome, type ActionRequest } from '@fixlify/engine';
import { isInfrastructureError } from '@fixlify/engine';
import type { DeliveryKey, DeliveryLedger } from '../ledger/delivery-ledger';

/** What a send gets: the trace to carry on, and for people the hook its request's last byte waits for. */
export interface SendIo {
  traceparent: string;
  beforeLastByte?: () => Promise<void>;
}
export type Send = (io: SendIo) => Promise<{ providerMessageId: string | null; output: Record<string, unknown> }>;
/** Asks the provider about an attempt left in doubt: what it knows, or why it cannot say (the outcome stays unknown). */
export type Reconcile = (d: {
  since: Date;
  providerMessageId: string | null;
}) => Promise<{ providerMessageId: string | null; output: Record<string, unknown> } | string>;

/** Thrown out of the last-byte hook when a later claim took the step over: the request is abandoned unfinished. */
class ClaimLost extends Error {
  constructor() {
    super('the delivery was claimed by another attempt');
  }
}

export interface Delivery {
  /** Ledger around one send: at most once for people, same Idempotency-Key for machines. */
  deliver: (req: ActionRequest, channel: DeliveryChannel, send: Send, reconcile?: Reconcile) => Promise<ActionOutcome>;
  /** waits for the ledger records left trailing (see deliver); the batch's Kafka commit comes after */
  flush: () => Promise<void>;
}

/**
 * The delivery protocol over the ledger (automation_deliveries, keyed by the step key): claimed →
 * sending → delivered, an attempt left on the wire settled with the provider or ended unknown.
 */
export const createDelivery = (ledger: DeliveryLedger): Delivery => {
  // Records of webhook/api_call deliveries trail the send: the execution goes on at once, and the batch
  // waits for them before its Kafka commit. A crash in between leaves the row "sending", which for these
  // channels means resend with the same Idempotency-Key — what a crash right after the send means anyway.
  const trailing = new Set<Promise<void>>();
  let trailingFailure: { error: unknown } | null = null;
  const trail = (p: Promise<void>): void => {
    const q: Promise<void> = p
      .catch((e: unknown) => {
        trailingFailure ??= { error: e };
      })
      .finally(() => trailing.delete(q));
    trailing.add(q);
  };

  const deliver = async (req: ActionRequest, channel: DeliveryChannel, send: Send, reconcile?: Reconcile): Promise<ActionOutcome> => {
    // a span per delivery attempt, child of the command's span; HTTP deliveries carry it on as their traceparent
    const span = startSpan(`deliver ${channel}`, req.trace ?? null, {
      kind: 'client',
      attributes: { 'fixlify.channel': channel, 'fixlify.step_key': req.stepKey, 'fixlify.attempt': req.attempt, ...identityAttributes(req) },
    });
    const outcome = await deliverOnce(
      req,
      channel,
      (beforeLastByte) => send({ traceparent: formatTraceparent(span.context), ...(beforeLastByte ? { beforeLastByte } : {}) }),
      reconcile,
    ).catch((e: unknown) => {
      span.end(e);
      throw e;
    });
    span.setAttributes({ 'fixlify.delivery': outcome.kind === 'ok' ? (outcome.delivery ?? 'delivered') : outcome.kind });
    span.end(outcome.kind === 'failed' ? new Error(`${outcome.error.code}: ${outcome.error.message}`) : undefined);
    return outcome;
  };
  const deliverOnce = async (
    req: ActionRequest,
    channel: DeliveryChannel,
    send: (beforeLastByte: (() => Promise<void>) | undefined) => Promise<{ providerMessageId: string | null; output: Record<string, unknown> }>,
    reconcile?: Reconcile,
  ): Promise<ActionOutcome> => {
    const key = { stepKey: req.stepKey, organizationId: req.organizationId, executionId: req.executionId, channel };
    const resendable = UNKNOWN_OUTCOME_POLICY[channel] === 'resend_same_key';
    // A command never taken on before cannot have delivered its steps: no claim first. Machines (same-key
    // resend) write nothing before the send; people get their row at the last byte (`sending` below).
    let attempt: number | null = null;
    if (!req.firstRun) {
      const decision = await ledger.begin(key);
      switch (decision.kind) {
        case 'already_delivered':
          return {
            kind: 'ok',
            output: { ...(decision.response ?? {}), providerMessageId: decision.providerMessageId, deduplicated: true },
            delivery: 'deduplicated',
          };
        case 'already_suppressed':
          return { kind: 'ok', output: { suppressed: true, reason: decision.reason }, delivery: 'suppressed' };
        case 'busy':
          return failed('delivery_in_progress', `another attempt of this ${channel} holds its delivery right now; tried again later`, true);
        case 'in_doubt':
          return settle(key, decision, reconcile);
        case 'send':
          attempt = decision.attempt;
          break;
      }
    }
    // People: "sending" is recorded durably right before the request's last byte leaves (or right before
    // the send where a client gives no such hook: SMTP). Until then the provider cannot have acted on it.
    let released = false;
    let gate: Promise<void> | null = null;
    const beforeLastByte = resendable
      ? undefined
      : () =>
          (gate ??= ledger.sending(key, attempt).then((won) => {
            if (!won) throw new ClaimLost();
            released = true;
          }));
    try {
      const r = await send(beforeLastByte);
      const recorded = ledger.delivered(key, r.providerMessageId, r.output);
      // a person's message is recorded before anything else happens: never twice, even after a crash
      if (resendable) trail(recorded);
      else await recorded;
      return { kind: 'ok', output: { ...r.output, providerMessageId: r.providerMessageId }, delivery: 'delivered' };
    } catch (e) {
      if (e instanceof ClaimLost) return failed('delivery_in_progress', `another attempt of this ${channel} took over its delivery; tried again later`, true);
      // a person's request whose last byte never left cannot have been acted on, whatever broke
      const onWire = resendable || released;
      if (!isChannelError(e)) {
        // PostgreSQL away under the gate, a bug: the batch is retried or the step fails; the row says how far it got
        await ledger.failed(req.stepKey, e instanceof Error ? e.message : String(e), !resendable && released, channel);
        throw e;
      }
      const maybeDelivered = e.maybeDelivered && onWire;
      await ledger.failed(req.stepKey, `${e.code}: ${e.message}`, maybeDelivered, channel);
      if (maybeDelivered && !resendable) {
        return failed(
          OUTCOME_UNKNOWN,
          `this ${channel} may have been delivered (${e.detail ? `${e.message} (${e.detail})` : e.message}); not sent again so nobody receives it twice`,
        );
      }
      return {
        kind: 'failed',
        // a channel's codes are step error codes (ChannelErrorCode ⊂ StepErrorCode, checked by the compiler here)
        error: {
          code: e.code,
          message: e.detail ? `${e.message} (${e.detail})` : e.message,
          retryable: mayRetry(channel, { retryable: e.retryable, maybeDelivered }),
        },
        ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
      };
    }
  };

  /**
   * An earlier attempt of a person's message was on the wire when it ended without an answer. Where the
   * provider can be asked, its answer decides (found: delivered, recorded, not sent again); otherwise
   * the outcome is unknown: the step ends `outcome_unknown` and the message is not sent again.
   */
  const settle = async (key: DeliveryKey, d: { since: Date; providerMessageId: string | null }, reconcile: Reconcile | undefined): Promise<ActionOutcome> => {
    let why = `${key.channel === 'sms' ? 'Telnyx' : 'the provider'} cannot be asked about a message whose answer never arrived`;
    if (reconcile) {
      try {
        const found = await reconcile(d);
        if (typeof found !== 'string') {
          await ledger.delivered(key, found.providerMessageId, { ...found.output, reconciled: true });
          return { kind: 'ok', output: { ...found.output, providerMessageId: found.providerMessageId, reconciled: true }, delivery: 'delivered' };
        }
        why = found;
      } catch (e) {
        if (isInfrastructureError(e)) throw e;
        why = `asking the provider failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return failed(
      OUTCOME_UNKNOWN,
      `an earlier attempt of this ${key.channel} was on the wire when it stopped without an answer (${why}); not sent again so nobody receives it twice`,
    );
  };

  const flush = async (): Promise<void> => {
    await Promise.all([...trailing]);
    if (trailingFailure) {
      const { error } = trailingFailure;
      trailingFailure = null;
      throw error;
    }
  };
  return { deliver, flush };
};
