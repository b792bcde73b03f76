import type { Pool } from 'pg';
import type { OrgCredentials, OutboundPolicy } from '@fixlify/channels';
import type { ActionType } from '@fixlify/contracts';
import type { ExecutorConfig } from '../config';
import type { ActionNode, ActionOutcome, ActionRequest } from '@fixlify/engine';
import type { Delivery } from './delivery';
import type { OrgAccounts } from './org-accounts';
import type { createRecordWriter } from './records';
import type { SendGate } from './send-gate';
import type { SmtpSenders } from './smtp-senders';

export interface ActionDeps {
  pool: Pool;
  cfg: ExecutorConfig;
  policy: OutboundPolicy;
  now: () => Date;
  /** the organizations' own provider accounts; the environment's account is used where an organization has none */
  accounts: OrgAccounts;
  /** the unsubscribe link of an e-mail recipient (actions/unsubscribe-links) */
  unsubscribeUrl: (organizationId: string, address: string) => string;
}

/** What every handler may use: one of each per performer (the batch's ledger, limiter and pools). */
export interface ActionKit extends ActionDeps {
  deliver: Delivery['deliver'];
  gate: SendGate;
  smtp: SmtpSenders;
  records: ReturnType<typeof createRecordWriter>;
  /** the organization's accounts, or the failed step when a stored one cannot be opened */
  accountsOf: (req: ActionRequest) => Promise<OrgCredentials | ActionOutcome>;
}

/** Runs one action of type T with its templates rendered. */
export type ActionHandler<T extends ActionType> = (req: ActionRequest<Extract<ActionNode, { type: T }>>, kit: ActionKit) => Promise<ActionOutcome>;

/** A rendered config value as text: strings as they are, nothing as '', anything else as JSON. */
export const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

export const isOutcome = (v: OrgCredentials | ActionOutcome): v is ActionOutcome => 'kind' in v && typeof (v as { kind: unknown }).kind === 'string';
