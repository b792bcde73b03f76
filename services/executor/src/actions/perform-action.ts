import type { Pool } from 'pg';
import {
  apiCall,
  createSmtpSender,
  findMailgunAccepted,
  getTelnyxMessage,
  isChannelError,
  mayRetry,
  sendMailgun,
  sendTelnyxSms,
  sendWebPush,
  sendWebhook,
  UNKNOWN_OUTCOME_POLICY,
  type DeliveryChannel,
  type OutboundPolicy,
  type OrgCredentials,
  type SmtpConfig,
  type SmtpSender,
} from '@fixlify/channels';
import { OUTCOME_UNKNOWN, type StepErrorCode } from '@fixlify/contracts';
import { formatTraceparent, identityAttributes, startSpan } from '@fixlify/kafka';
import type { ExecutorConfig } from '../config';
import type { ActionOutcome, ActionRequest } from '../execution/run-execution';
import { isInfrastructureError } from '../execution/infra-error';
import { createDeliveryLedger, type DeliveryKey } from '../ledger/delivery-ledger';
import type { OrgAccounts } from './org-accounts';
import { quietHoursUntil, suppressionReason, type PeopleChannel } from './messaging';
import { RateLimiter } from './rate-limit';
import { assignTechnician, createRecordWriter, createTask } from './records';

export interface ActionDeps {
  pool: Pool;
  cfg: ExecutorConfig;
  policy: OutboundPolicy;
  now: () => Date;
  /** the organizations' own provider accounts; the environment's account is used where an organization has none */
  accounts: OrgAccounts;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

const failed = (code: StepErrorCode, message: string, retryable = false): ActionOutcome => ({ kind: 'failed', error: { code, message, retryable } });

/** What a send gets: the trace to carry on, and for people the hook its request's last byte waits for. */
interface SendIo {
  traceparent: string;
  beforeLastByte?: () => Promise<void>;
}
/** Asks the provider about an attempt left in doubt: what it knows, or why it cannot say (the outcome stays unknown). */
type Reconcile = (d: { since: Date; providerMessageId: string | null }) => Promise<{ providerMessageId: string | null; output: Record<string, unknown> } | string>;
/** Thrown out of the last-byte hook when a later claim took the step over: the request is abandoned unfinished. */
class ClaimLost extends Error {
  constructor() {
    super('the delivery was claimed by another attempt');
  }
}
/** Mailgun may index an accepted event a little after answering; search from this long before the attempt. */
const RECONCILE_LOOKBACK_MS = 5 * 60_000;

export interface ActionPerformer {
  perform: (req: ActionRequest) => Promise<ActionOutcome>;
  /** waits for the ledger records left trailing (see deliver); the batch's Kafka commit comes after */
  flush: () => Promise<void>;
  close: () => void;
}

export const createActionPerformer = (deps: ActionDeps): ActionPerformer => {
  const { pool, cfg } = deps;
  const ledger = createDeliveryLedger(pool);
  const records = createRecordWriter(pool);
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
  const limiter = new RateLimiter((key) => cfg.EXECUTOR_CHANNEL_RATE_LIMITS[key.slice(key.indexOf('/') + 1) as DeliveryChannel] ?? 0);
  /** The organization's send rate on this channel: null to go, or when to come back. */
  const throttle = (req: ActionRequest, channel: DeliveryChannel): ActionOutcome | null => {
    const a = limiter.admit(`${req.organizationId}/${channel}`, req.stepKey, deps.now().getTime());
    return a.kind === 'go' ? null : { kind: 'wait', until: a.until, reason: 'rate_limit' };
  };
  // one SMTP connection pool per account (the deployment's, and each organization's own)
  const smtpSenders = new Map<string, { fingerprint: string; sender: SmtpSender }>();
  const envSmtp = (): SmtpConfig | null => {
    if (!cfg.SMTP_URL) return null;
    const u = new URL(cfg.SMTP_URL);
    return {
      host: u.hostname,
      port: Number(u.port || 25),
      secure: u.protocol === 'smtps:',
      from: cfg.MAIL_FROM,
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    };
  };
  const smtpSender = (owner: string, config: SmtpConfig): SmtpSender => {
    const fingerprint = JSON.stringify(config);
    const cur = smtpSenders.get(owner);
    if (cur?.fingerprint === fingerprint) return cur.sender;
    cur?.sender.close();
    const sender = createSmtpSender(config);
    smtpSenders.set(owner, { fingerprint, sender });
    return sender;
  };
  /** The organization's accounts; a stored account that cannot be opened fails the step (retryable: the key may be fixed). */
  const accountsOf = async (req: ActionRequest): Promise<OrgCredentials | ActionOutcome> => {
    try {
      return await deps.accounts.of(req.organizationId);
    } catch (e) {
      // PostgreSQL away is not an unreadable account: the batch is retried whole
      if (isInfrastructureError(e)) throw e;
      return failed('credentials_unreadable', `the organization's provider credentials cannot be read: ${e instanceof Error ? e.message : String(e)}`, true);
    }
  };
  const isOutcome = (v: OrgCredentials | ActionOutcome): v is ActionOutcome => 'kind' in v && typeof (v as { kind: unknown }).kind === 'string';

  /** Ledger around one send: at most once for people, same Idempotency-Key for machines. */
  const deliver = async (
    req: ActionRequest,
    channel: DeliveryChannel,
    send: (io: SendIo) => Promise<{ providerMessageId: string | null; output: Record<string, unknown> }>,
    reconcile?: Reconcile,
  ): Promise<ActionOutcome> => {
    // a span per delivery attempt, child of the command's span; HTTP deliveries carry it on as their traceparent
    const span = startSpan(`deliver ${channel}`, req.trace ?? null, {
      kind: 'client',
      attributes: { 'fixlify.channel': channel, 'fixlify.step_key': req.stepKey, 'fixlify.attempt': req.attempt, ...identityAttributes(req) },
    });
    const outcome = await deliverOnce(req, channel, (beforeLastByte) => send({ traceparent: formatTraceparent(span.context), ...(beforeLastByte ? { beforeLastByte } : {}) }), reconcile).catch((e: unknown) => {
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
          return { kind: 'ok', output: { ...(decision.response ?? {}), providerMessageId: decision.providerMessageId, deduplicated: true }, delivery: 'deduplicated' };
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
        return failed(OUTCOME_UNKNOWN, `this ${channel} may have been delivered (${e.detail ? `${e.message} (${e.detail})` : e.message}); not sent again so nobody receives it twice`);
      }
      return {
        kind: 'failed',
        error: { code: e.code, message: e.detail ? `${e.message} (${e.detail})` : e.message, retryable: mayRetry(channel, { retryable: e.retryable, maybeDelivered }) },
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
    return failed(OUTCOME_UNKNOWN, `an earlier attempt of this ${key.channel} was on the wire when it stopped without an answer (${why}); not sent again so nobody receives it twice`);
  };

  /** Consent and quiet hours come before the ledger: a held-back message is not a delivery. */
  const gate = async (req: ActionRequest, channel: PeopleChannel, address: string): Promise<ActionOutcome | null> => {
    if (!address) return failed('recipient_missing', `no ${channel} recipient (the template rendered empty)`);
    const reason = await suppressionReason(pool, req.organizationId, channel, address, req.context);
    if (reason) {
      await ledger.suppressed({ stepKey: req.stepKey, organizationId: req.organizationId, executionId: req.executionId, channel, reason });
      return { kind: 'ok', output: { suppressed: true, reason, to: address }, delivery: 'suppressed' };
    }
    if (channel !== 'push') {
      const until = quietHoursUntil(req.context, deps.now());
      if (until) return { kind: 'wait', until, reason: 'quiet_hours' };
    }
    return throttle(req, channel);
  };

  const perform = async (req: ActionRequest): Promise<ActionOutcome> => {
    const c = req.config;
    const node = req.node;
    switch (node.type) {
      case 'send_email': {
        const to = s(c.to).trim();
        const held = await gate(req, 'email', to);
        if (held) return held;
        const msg = { to, subject: s(c.subject), ...(c.text !== undefined ? { text: s(c.text) } : {}), ...(c.html !== undefined ? { html: s(c.html) } : {}) };
        const acc = await accountsOf(req);
        if (isOutcome(acc)) return acc;
        const own = acc.smtp;
        // an organization's own server is reached only on a submission port and through the outbound guard
        const smtpConfig: SmtpConfig | null = own
          ? {
              host: own.settings.host,
              port: own.settings.port,
              secure: own.settings.secure,
              from: own.settings.from,
              auth: { user: own.settings.user, pass: own.secret },
              guard: { policy: deps.policy, allowedPorts: cfg.SMTP_ALLOWED_PORTS },
            }
          : envSmtp();
        // an explicit provider wins; otherwise the organization's own account, then the deployment's
        const useSmtp =
          c.provider === 'smtp' || (c.provider === undefined && !acc.mailgun && (own !== undefined || (smtpConfig !== null && cfg.MAILGUN_API_KEY === '')));
        if (useSmtp && !smtpConfig) return failed('smtp_not_configured', 'this email asks for SMTP but neither the organization nor the deployment has an SMTP account');
        // an organization's own API base goes through the outbound guard like a webhook; the deployment's is trusted
        const mailgun = acc.mailgun
          ? {
              apiBase: acc.mailgun.settings.apiBase ?? cfg.MAILGUN_API_BASE,
              domain: acc.mailgun.settings.domain,
              apiKey: acc.mailgun.secret,
              from: acc.mailgun.settings.from,
              ...(acc.mailgun.settings.apiBase ? { policy: deps.policy } : {}),
            }
          : { apiBase: cfg.MAILGUN_API_BASE, domain: cfg.MAILGUN_DOMAIN, apiKey: cfg.MAILGUN_API_KEY, from: cfg.MAIL_FROM };
        const account = useSmtp ? (own ? 'organization' : 'deployment') : acc.mailgun ? 'organization' : 'deployment';
        const output = { to, subject: msg.subject, provider: useSmtp ? 'smtp' : 'mailgun', account };
        return deliver(
          req,
          'email',
          async ({ beforeLastByte }) => {
            let r;
            if (useSmtp) {
              // nodemailer gives no hook before the end of DATA: "sending" is recorded before the session
              await beforeLastByte?.();
              r = await smtpSender(own ? req.organizationId : '', smtpConfig!).send(msg, req.stepKey);
            } else r = await sendMailgun(mailgun, msg, req.stepKey, beforeLastByte ? { beforeLastByte } : {});
            return { providerMessageId: r.providerMessageId, output };
          },
          // Mailgun's Events API knows what it accepted, by the step key sent as a user variable; an SMTP server cannot be asked
          useSmtp
            ? undefined
            : async ({ since }) => {
                const hit = await findMailgunAccepted(mailgun, { recipient: to, idempotencyKey: req.stepKey, since: new Date(since.getTime() - RECONCILE_LOOKBACK_MS) });
                return hit ? { providerMessageId: hit.messageId, output } : 'Mailgun has no accepted event of it (yet: Mailgun indexes events with a delay)';
              },
        );
      }
      case 'send_sms': {
        const to = s(c.to).trim();
        const held = await gate(req, 'sms', to);
        if (held) return held;
        const acc = await accountsOf(req);
        if (isOutcome(acc)) return acc;
        const own = acc.telnyx;
        const telnyx = own
          ? { apiBase: cfg.TELNYX_API_BASE, apiKey: own.secret, from: own.settings.from, ...(own.settings.messagingProfileId ? { messagingProfileId: own.settings.messagingProfileId } : {}) }
          : { apiBase: cfg.TELNYX_API_BASE, apiKey: cfg.TELNYX_API_KEY, from: cfg.TELNYX_FROM };
        const output = { to, body: s(c.body), from: telnyx.from, account: own ? 'organization' : 'deployment' };
        return deliver(
          req,
          'sms',
          async ({ beforeLastByte }) => {
            const r = await sendTelnyxSms(telnyx, { to, text: s(c.body) }, beforeLastByte ? { beforeLastByte } : {});
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
      }
      case 'send_push_notification': {
        const userRef = s(c.userRef).trim();
        const held = await gate(req, 'push', userRef);
        if (held) return held;
        const subs = await pool.query<{ endpoint: string; p256dh: string; auth: string }>(
          'SELECT endpoint, p256dh, auth FROM push_subscriptions WHERE organization_id = $1 AND user_ref = $2 ORDER BY created_at LIMIT 10',
          [req.organizationId, userRef],
        );
        if (subs.rowCount === 0) return { kind: 'ok', output: { userRef, sent: 0, reason: 'no push subscription' }, delivery: 'none' };
        const acc = await accountsOf(req);
        if (isOutcome(acc)) return acc;
        const vapid = acc.webpush
          ? { publicKey: acc.webpush.settings.publicKey, privateKey: acc.webpush.secret, subject: acc.webpush.settings.subject }
          : { publicKey: cfg.VAPID_PUBLIC_KEY, privateKey: cfg.VAPID_PRIVATE_KEY, subject: cfg.VAPID_SUBJECT };
        if (!vapid.publicKey || !vapid.privateKey) return failed('push_not_configured', 'VAPID keys are not configured (neither the organization nor the deployment has a webpush account)');
        return deliver(req, 'push', async ({ beforeLastByte }) => {
          const payload = JSON.stringify({ title: s(c.title), body: s(c.body), url: c.url === undefined ? undefined : s(c.url) });
          let last: string | null = null;
          for (const sub of subs.rows) {
            const r = await sendWebPush(
              vapid,
              { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
              payload,
              // the first subscription's request records "sending"; the hook resolves at once for the others
              { idempotencyKey: req.stepKey, policy: deps.policy, ...(beforeLastByte ? { beforeLastByte } : {}) },
            );
            last = r.providerMessageId;
          }
          return { providerMessageId: last, output: { userRef, sent: subs.rowCount, title: s(c.title) } };
        });
      }
      case 'webhook': {
        const held = throttle(req, 'webhook');
        if (held) return held;
        const body =
          c.payload !== undefined && s(c.payload).trim() !== ''
            ? s(c.payload)
            : JSON.stringify({ executionId: req.executionId, workflowId: req.workflowId, organizationId: req.organizationId, event: req.context.event, after: req.context.after });
        let signingSecrets: string[];
        try {
          signingSecrets = await deps.accounts.webhookSigningSecrets(req.organizationId);
        } catch (e) {
          // PostgreSQL away is not an unreadable secret: the batch is retried whole
          if (isInfrastructureError(e)) throw e;
          return failed('credentials_unreadable', `the organization's webhook signing secret cannot be read or created: ${e instanceof Error ? e.message : String(e)}`, true);
        }
        return deliver(req, 'webhook', async ({ traceparent }) => {
          const r = await sendWebhook({
            url: s(c.url),
            body,
            secret: signingSecrets,
            idempotencyKey: req.stepKey,
            headers: { traceparent, ...((c.headers as Record<string, string> | undefined) ?? {}) },
            timeoutMs: 10_000,
            policy: deps.policy,
            now: deps.now(),
          });
          return { providerMessageId: null, output: { url: s(c.url), status: r.status, response: r.responseBody.slice(0, 2000) } };
        });
      }
      case 'api_call': {
        const held = throttle(req, 'api_call');
        if (held) return held;
        const cfgApi = node.config;
        return deliver(req, 'api_call', async ({ traceparent }) => {
          const r = await apiCall({
            url: s(c.url),
            method: cfgApi.method,
            headers: { traceparent, ...((c.headers as Record<string, string> | undefined) ?? {}) },
            ...(c.body !== undefined ? { body: s(c.body) } : {}),
            ...(c.auth ? { auth: c.auth as never } : {}),
            timeoutMs: cfgApi.timeoutMs,
            policy: deps.policy,
            idempotencyKey: req.stepKey,
          });
          return { providerMessageId: null, output: { url: s(c.url), status: r.status, response: r.body } };
        });
      }
      case 'update_record':
        return records.update({ organizationId: req.organizationId, table: s(c.table), id: s(c.id), set: (c.set ?? {}) as Record<string, unknown>, stepKey: req.stepKey, depth: req.depth });
      case 'create_task': {
        const hours = node.config.dueInHours;
        return createTask(pool, {
          organizationId: req.organizationId,
          title: s(c.title),
          ...(c.description !== undefined ? { description: s(c.description) } : {}),
          dueAt: hours === undefined ? null : new Date(deps.now().getTime() + hours * 3600_000),
          ...(c.assigneeTechnicianId ? { technicianId: s(c.assigneeTechnicianId) } : {}),
          ...(c.jobId ? { jobId: s(c.jobId) } : {}),
          stepKey: req.stepKey,
          depth: req.depth,
        });
      }
      case 'assign_technician':
        return assignTechnician(pool, {
          organizationId: req.organizationId,
          jobId: s(c.jobId),
          strategy: node.config.strategy,
          ...(c.technicianId ? { technicianId: s(c.technicianId) } : {}),
          stepKey: req.stepKey,
          depth: req.depth,
        });
    }
  };
  const flush = async (): Promise<void> => {
    await Promise.all([...trailing]);
    if (trailingFailure) {
      const { error } = trailingFailure;
      trailingFailure = null;
      throw error;
    }
  };
  return {
    perform,
    flush,
    close: () => {
      for (const { sender } of smtpSenders.values()) sender.close();
    },
  };
};
