import { z } from 'zod';

/**
 * Every code a step failure (step_failed, execution_failed) can carry, with what it means. The set is
 * closed: the executor's failure constructors take only these, so a new code is added here first.
 * The values are stored (execution logs) and shown (API, monitor): they are never renamed.
 */
export const STEP_ERROR_MEANINGS = {
  // the delivery (libs/channels ChannelErrorCode): what a provider or the network said
  rate_limited: 'the provider refused for its rate limit (429); retried after its Retry-After',
  provider_unavailable: 'the provider could not serve the request (5xx, an answer that is not its API); retried',
  timeout: 'no answer in time; the request may have reached the provider',
  network: 'resolving, connecting or the connection failed',
  rejected: 'the provider refused this message or request for a reason of its own',
  auth_failed: "the provider refused the account's credentials",
  invalid_request: 'the request cannot be sent as it is (a bad URL, header or body, or the provider said so)',
  recipient_gone: 'the recipient no longer exists (a push subscription that expired)',
  ssrf_blocked: 'the outbound guard refused the address (private network, scheme, SMTP port)',
  payload_too_large: 'the request is larger than the channel or the provider accepts',
  // the delivery protocol and its gate (services/executor actions)
  outcome_unknown: "a message to a person was on the wire when its attempt ended without an answer; not sent again (shown as 'unknown')",
  delivery_in_progress: 'another attempt holds or took over the delivery of this step; retried',
  recipient_missing: 'the recipient rendered empty',
  credentials_unreadable: "the organization's own provider account or webhook signing secret cannot be read; retried",
  smtp_not_configured: 'the email asks for SMTP and neither the organization nor the deployment has an SMTP account',
  push_not_configured: 'no VAPID keys (neither the organization nor the deployment has a webpush account)',
  // the records an automation writes (update_record, create_task, assign_technician)
  invalid_table: 'the table cannot be updated by automations',
  invalid_record_id: 'the record id is not a uuid',
  invalid_column: 'a column cannot be set by automations (or nothing is set)',
  invalid_reference: 'an id the step writes or follows is not a record of this organization',
  record_not_found: 'the record is not in this organization',
  technician_unavailable: 'the technician is not an active technician of this organization',
  record_rejected: "PostgreSQL refused the write as the workflow's fault (a data or integrity error)",
  database_unavailable: 'PostgreSQL failed the write for a reason that may pass; retried',
  // the engine (libs/workflow WorkflowErrorCode) and the walk of the graph (services/executor)
  template_invalid: 'a template cannot be read',
  template_render_failed: 'a template failed while rendering',
  template_output_too_large: 'a template rendered more text than allowed',
  delay_time_invalid: "a delay's time is not a valid time",
  cron_invalid: 'a schedule is not a valid cron expression',
  timezone_invalid: 'a time zone is not known',
  quiet_hours_invalid: 'the quiet hours are not valid times',
  loop_items_invalid: "a loop's items are not a list",
  max_steps_exceeded: 'the execution ran more steps than one execution may run',
  walker_state_invalid: "the execution's state does not fit its definition",
  definition_invalid: 'the definition cannot be walked (no start, a broken graph)',
  node_missing: 'the next step is not in the definition',
  state_too_large: "the execution's state is too large to travel in a command",
  response_too_large: 'an api_call response is too large to be saved for later steps',
  secret_unreadable: "a step's sealed secret does not open (another key, or moved to another step or URL)",
  action_error: 'an action failed in a way no other code names (the message says how)',
} as const satisfies Record<string, string>;

export type StepErrorCode = keyof typeof STEP_ERROR_MEANINGS;
export const STEP_ERROR_CODES = Object.keys(STEP_ERROR_MEANINGS) as [StepErrorCode, ...StepErrorCode[]];
export const StepErrorCode = z.enum(STEP_ERROR_CODES);

export const isStepErrorCode = (v: unknown): v is StepErrorCode => typeof v === 'string' && Object.prototype.hasOwnProperty.call(STEP_ERROR_MEANINGS, v);

/** Codes written before the set was closed that spelled one of today's codes differently. */
const RENAMED_STEP_ERROR_CODES: Readonly<Record<string, StepErrorCode>> = { step_limit: 'max_steps_exceeded' };

/**
 * A step error as results written before the set was closed carry it: a renamed code is read as its
 * new spelling, and any other code outside the set (an action's exception passed its own code on,
 * such as a PostgreSQL SQLSTATE) as `action_error` with that code kept at the start of the message.
 * Anything else is left for the schema to judge.
 */
export const upgradeStepError = (v: unknown): unknown => {
  if (typeof v !== 'object' || v === null) return v;
  const { code, message } = v as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || isStepErrorCode(code)) return v;
  const renamed = Object.prototype.hasOwnProperty.call(RENAMED_STEP_ERROR_CODES, code) ? RENAMED_STEP_ERROR_CODES[code] : undefined;
  if (renamed) return { ...v, code: renamed };
  if (typeof message !== 'string' || code.length > 100) return v;
  return { ...v, code: 'action_error', message: `${code}: ${message}`.slice(0, 2000) };
};
