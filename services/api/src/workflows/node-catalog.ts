import { z } from 'zod';
import {
  ACTION_TYPES,
  ActionConfigs,
  Condition,
  ControlConfigs,
  TRIGGER_TYPES,
  TriggerSpec,
  triggerEntity,
  type ActionType,
  type Catalog,
  type JsonSchema,
  type TriggerType,
} from '@fixlify/contracts';

const entityOf = triggerEntity;

const FIELDS: Record<string, string[]> = {
  organization: ['name', 'time_zone', 'locale', 'currency'],
  client: ['id', 'name', 'email', 'phone', 'address', 'time_zone', 'tags'],
  job: ['id', 'title', 'description', 'status', 'scheduled_start', 'scheduled_end', 'completed_at', 'total', 'address'],
  invoice: ['id', 'number', 'status', 'amount', 'amount_paid', 'currency', 'due_date', 'sent_at', 'paid_at'],
  estimate: ['id', 'number', 'status', 'amount', 'currency', 'valid_until', 'sent_at'],
  technician: ['id', 'name', 'email', 'phone'],
  event: ['id', 'type', 'entityType', 'entityId', 'occurredAt'],
};

/** Which objects a template may refer to for a trigger: what the executor loads into the context. */
export const contextVariables = (t: TriggerType): string[] => {
  const entity = entityOf(t);
  const objects = ['event', 'organization'];
  if (entity === 'job') objects.push('job', 'client', 'technician');
  if (entity === 'invoice' || entity === 'estimate') objects.push(entity, 'client', 'job', 'technician');
  if (entity === 'client' || t === 'sms_received') objects.push('client');
  const vars = objects.flatMap((o) => (FIELDS[o] ?? []).map((f) => `${o}.${f}`));
  if (entity) vars.push(...(FIELDS[entity] ?? []).flatMap((f) => [`after.${f}`, `before.${f}`]));
  if (t === 'manual' || t === 'webhook' || t === 'scheduled' || t === 'recurring') vars.push('trigger.<field>');
  if (t === 'sms_received') vars.push('trigger.text', 'trigger.from', 'trigger.to');
  return vars;
};

// zod writes JSON Schema (draft 2020-12); the contract's JsonSchema names the part of it the builder reads
const schema = (s: z.ZodType): JsonSchema => z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' }) as JsonSchema;

const LABELS: Record<TriggerType | Exclude<ActionType, 'webhook'> | 'condition' | 'delay' | 'loop', string> = {
  job_created: 'Job created',
  job_status_changed: 'Job status changed',
  job_completed: 'Job completed',
  job_overdue: 'Job overdue',
  invoice_created: 'Invoice created',
  invoice_sent: 'Invoice sent',
  invoice_paid: 'Invoice paid',
  invoice_overdue: 'Invoice overdue',
  client_created: 'Client created',
  client_updated: 'Client updated',
  client_inactive: 'Client inactive',
  estimate_created: 'Estimate created',
  estimate_sent: 'Estimate sent',
  estimate_accepted: 'Estimate accepted',
  estimate_declined: 'Estimate declined',
  scheduled: 'At a date and time',
  recurring: 'On a schedule (cron)',
  manual: 'Manual / API',
  webhook: 'Inbound webhook',
  sms_received: 'SMS received (a client replied)',
  send_email: 'Send email',
  send_sms: 'Send SMS',
  send_push_notification: 'Send push notification',
  api_call: 'API call',
  update_record: 'Update record',
  create_task: 'Create task',
  assign_technician: 'Assign technician',
  condition: 'Condition (if / else)',
  delay: 'Delay',
  loop: 'Loop over a list',
};

/** Config a new node starts with in the builder (valid or one field away from valid). */
const ACTION_DEFAULTS: Record<ActionType, Record<string, unknown>> = {
  send_email: { to: '{{ client.email }}', subject: 'Hello {{ client.name }}', text: 'Hi {{ client.name }},\n\n— {{ organization.name }}' },
  send_sms: { to: '{{ client.phone }}', body: 'Hi {{ client.name }}, ' },
  send_push_notification: { userRef: '{{ client.id }}', title: 'Update from {{ organization.name }}', body: '' },
  webhook: { url: 'https://example.com/hooks/fixlify' },
  api_call: { url: 'https://api.example.com/', method: 'GET', timeoutMs: 10_000 },
  update_record: { table: 'jobs', id: '{{ event.entityId }}', set: { status: 'on_hold' } },
  create_task: { title: 'Follow up with {{ client.name }}' },
  assign_technician: { jobId: '{{ job.id }}', strategy: 'least_busy' },
};

const TRIGGER_DEFAULTS: Partial<Record<TriggerType, Record<string, unknown>>> = {
  job_overdue: { graceMinutes: 0 },
  invoice_overdue: { daysOverdue: 3 },
  client_inactive: { days: 90 },
  scheduled: { at: '2030-01-01T09:00:00Z' },
  recurring: { cron: '0 7 * * 1-5', timezone: 'America/New_York' },
};

const triggerGroup = (t: TriggerType): string =>
  t.startsWith('job_')
    ? 'Jobs'
    : t.startsWith('invoice_')
      ? 'Invoices'
      : t.startsWith('client_')
        ? 'Clients'
        : t.startsWith('estimate_')
          ? 'Estimates'
          : t === 'scheduled' || t === 'recurring'
            ? 'Time'
            : 'External';

const triggerConfigSchema = (t: TriggerType): JsonSchema | null => {
  const option = TriggerSpec.options.find((o) => o.shape.type.value === t);
  const config = option && 'config' in option.shape ? (option.shape as { config: z.ZodType }).config : null;
  return config ? schema(config) : null;
};

/** The builder's palette: every trigger and step of the catalogue, with JSON Schemas of their configs. */
export const nodeCatalog = () =>
  ({
    triggers: TRIGGER_TYPES.map((t) => ({
      type: t,
      label: LABELS[t],
      group: triggerGroup(t),
      configSchema: triggerConfigSchema(t),
      defaultConfig: TRIGGER_DEFAULTS[t] ?? null,
      variables: contextVariables(t),
    })),
    actions: ACTION_TYPES.map((t) => ({
      type: t,
      label: t === 'webhook' ? 'Call a webhook' : LABELS[t],
      configSchema: schema(ActionConfigs[t]),
      defaultConfig: ACTION_DEFAULTS[t],
    })),
    controls: [
      {
        type: 'condition' as const,
        label: LABELS.condition,
        configSchema: schema(ControlConfigs.condition),
        defaultConfig: { when: { field: 'job.total', op: 'gt', value: 100 } },
        branches: ['true', 'false'],
      },
      {
        type: 'delay' as const,
        label: LABELS.delay,
        configSchema: schema(ControlConfigs.delay),
        defaultConfig: { mode: 'duration', seconds: 3600 },
        branches: ['next'],
      },
      {
        type: 'loop' as const,
        label: LABELS.loop,
        configSchema: schema(ControlConfigs.loop),
        defaultConfig: { over: 'vars.items', as: 'item', maxIterations: 100 },
        branches: ['body', 'done'],
      },
    ],
    conditionSchema: schema(Condition),
  }) satisfies Catalog;
