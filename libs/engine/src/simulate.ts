import type { ActionType, DeliveryChannel, RunnableCommand, RunnableStart, StepResult } from '@fixlify/contracts';
import type { ExecutionContext } from '@fixlify/db';
import { failed, type ActionNode, type ActionOutcome, type ActionRequest } from './action';
import { quietHoursUntil, type PeopleChannel } from './messaging';
import { runExecution } from './run-execution';

/**
 * What a simulated action needs to decide like the real one, read-only: consent and suppressions
 * (the executor's `suppressionReason`) and whether a person has a push subscription at all.
 */
export interface SimulationReads {
  suppressionReason: (organizationId: string, channel: PeopleChannel, address: string, ctx: ExecutionContext) => Promise<string | null>;
  pushSubscriptions: (organizationId: string, userRef: string) => Promise<number>;
}

/** A message a simulated step would have sent (or held back). */
export interface SimulatedMessage {
  stepId: string;
  channel: DeliveryChannel;
  to: string;
  subject?: string;
  body?: string;
  /** held back by consent or a suppression: why */
  suppressed?: string;
}

/** A wait the execution would go through, and when it would end. */
export interface SimulatedWait {
  stepId: string;
  reason: string;
  until: string;
}

export interface SimulatedExecution {
  /** every result the engine produced, in order (the same kinds a real run writes) */
  results: StepResult[];
  messages: SimulatedMessage[];
  waits: SimulatedWait[];
  /** how it would end; `waiting` only when the simulation stopped at its hop limit */
  state: 'completed' | 'failed' | 'waiting';
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** A preview follows an execution through at most this many waits (delays, quiet hours): loops of delays end there. */
export const MAX_SIMULATED_HOPS = 50;

/**
 * Actions that decide what the real handlers decide before they touch a provider — recipient,
 * consent, quiet hours, push subscriptions — and then, instead of sending or writing, record what
 * they would have done. No ledger, no send, no write. What a simulation cannot know is the
 * provider's answer (an api_call's response is null; a webhook or SMS is taken as accepted) and the
 * organization's send rate (rate limits are not modelled).
 */
const simulatedAction =
  (reads: SimulationReads, now: () => Date, sink: SimulatedMessage[]) =>
  async (req: ActionRequest): Promise<ActionOutcome> => {
    const c = req.config;
    const people = async (
      channel: PeopleChannel,
      to: string,
      shown: { subject?: string; body?: string },
      unreachable?: () => Promise<ActionOutcome | null>,
    ): Promise<ActionOutcome> => {
      if (!to) return failed('recipient_missing', `no ${channel} recipient (the template rendered empty)`);
      const reason = await reads.suppressionReason(req.organizationId, channel, to, req.context);
      if (reason) {
        sink.push({ stepId: req.node.id, channel, to, ...shown, suppressed: reason });
        return { kind: 'ok', output: { suppressed: true, reason, to }, delivery: 'suppressed' };
      }
      const none = unreachable ? await unreachable() : null;
      if (none) return none;
      if (channel !== 'push') {
        const until = quietHoursUntil(req.context, now());
        if (until) return { kind: 'wait', until, reason: 'quiet_hours' };
      }
      sink.push({ stepId: req.node.id, channel, to, ...shown });
      return { kind: 'ok', output: { simulated: true, to, ...shown }, delivery: 'delivered' };
    };
    const type: ActionType = req.node.type;
    switch (type) {
      case 'send_email':
        return people('email', text(c.to).trim(), { subject: text(c.subject), body: text(c.text ?? c.html) });
      case 'send_sms':
        return people('sms', text(c.to).trim(), { body: text(c.body) });
      case 'send_push_notification': {
        const userRef = text(c.userRef).trim();
        // like the real handler: consent first, then "nothing to send to" is not a failure
        const noDevice = async (): Promise<ActionOutcome | null> =>
          (await reads.pushSubscriptions(req.organizationId, userRef)) === 0
            ? { kind: 'ok', output: { userRef, sent: 0, reason: 'no push subscription' }, delivery: 'none' }
            : null;
        return people('push', userRef, { subject: text(c.title), body: text(c.body) }, noDevice);
      }
      case 'webhook':
        sink.push({ stepId: req.node.id, channel: 'webhook', to: text(c.url) });
        return { kind: 'ok', output: { simulated: true, url: text(c.url) }, delivery: 'delivered' };
      case 'api_call':
        sink.push({ stepId: req.node.id, channel: 'api_call', to: text(c.url) });
        return { kind: 'ok', output: { simulated: true, url: text(c.url), response: null }, delivery: 'delivered' };
      case 'update_record':
      case 'create_task':
      case 'assign_technician':
        return { kind: 'ok', output: { simulated: true }, delivery: 'none' };
    }
  };

/**
 * Runs one start command through the real engine (runExecution) with simulated actions, and
 * follows it through its waits on a virtual clock: a delay or quiet hours end at once, at the
 * time they would end, so the steps after them are simulated too (at most MAX_SIMULATED_HOPS waits).
 * Deterministic for a given command, context and clock.
 */
export const simulateExecution = async (
  cmd: RunnableStart,
  context: ExecutionContext,
  reads: SimulationReads,
  startAt: Date,
  openSecrets?: (node: ActionNode, scope: { organizationId: string; workflowId: string }) => ActionNode,
): Promise<SimulatedExecution> => {
  let clock = startAt;
  const now = (): Date => clock;
  const messages: SimulatedMessage[] = [];
  const waits: SimulatedWait[] = [];
  const results: StepResult[] = [];
  const deps = { now, random: () => 0.5, performAction: simulatedAction(reads, now, messages), ...(openSecrets ? { openSecrets } : {}) };
  let next: RunnableCommand = cmd;
  for (let hop = 0; ; hop++) {
    const out = await runExecution(next, next.kind === 'start' ? context : null, deps);
    results.push(...out.results);
    if (out.state !== 'waiting') return { results, messages, waits, state: out.state };
    const timer = out.timers[0];
    const waiting = [...out.results].reverse().find((r): r is Extract<StepResult, { kind: 'execution_waiting' }> => r.kind === 'execution_waiting');
    if (waiting) waits.push({ stepId: waiting.stepId, reason: waiting.reason, until: waiting.until });
    if (!timer || hop + 1 >= MAX_SIMULATED_HOPS) return { results, messages, waits, state: 'waiting' };
    if (timer.dueAt.getTime() > clock.getTime()) clock = timer.dueAt;
    next = timer.command;
  }
};
