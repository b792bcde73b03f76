import type { OrgCredentials } from '@fixlify/channels';
import type { ActionType } from '@fixlify/contracts';
import { failed, type ActionOutcome, type ActionRequest } from '@fixlify/engine';
import { isInfrastructureError } from '@fixlify/engine';
import { createDeliveryLedger } from '../ledger/delivery-ledger';
import { createDelivery } from './delivery';
import type { ActionDeps, ActionHandler, ActionKit } from './handler';
import { apiCall } from './handlers/api-call';
import { assignTechnician, createTask, updateRecord } from './handlers/record-steps';
import { sendEmail } from './handlers/send-email';
import { sendPush } from './handlers/send-push';
import { sendSms } from './handlers/send-sms';
import { webhook } from './handlers/webhook';
import { createRecordWriter } from './records';
import { createSendGate } from './send-gate';
import { createSmtpSenders } from './smtp-senders';

export type { ActionDeps } from './handler';

export interface ActionPerformer {
  perform: (req: ActionRequest) => Promise<ActionOutcome>;
  /** waits for the ledger records left trailing (see delivery); the batch's Kafka commit comes after */
  flush: () => Promise<void>;
  close: () => void;
}

/** One handler per action type (the compiler checks that none is missing). */
const HANDLERS: { [T in ActionType]: ActionHandler<T> } = {
  send_email: sendEmail,
  send_sms: sendSms,
  send_push_notification: sendPush,
  webhook,
  api_call: apiCall,
  update_record: updateRecord,
  create_task: createTask,
  assign_technician: assignTechnician,
};

export const createActionPerformer = (deps: ActionDeps): ActionPerformer => {
  const { pool, cfg } = deps;
  const ledger = createDeliveryLedger(pool);
  const delivery = createDelivery(ledger);
  const smtp = createSmtpSenders();
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
  const kit: ActionKit = {
    ...deps,
    deliver: delivery.deliver,
    gate: createSendGate({ pool, ledger, now: deps.now, ratePerSecond: (channel) => cfg.EXECUTOR_CHANNEL_RATE_LIMITS[channel] ?? 0 }),
    smtp,
    records: createRecordWriter(pool),
    accountsOf,
  };
  return {
    perform: async (req) => (HANDLERS[req.node.type] as ActionHandler<ActionType>)(req, kit),
    flush: delivery.flush,
    close: smtp.close,
  };
};
