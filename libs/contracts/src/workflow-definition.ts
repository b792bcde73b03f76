import { z } from 'zod';
import { Condition } from './condition';

export const CDC_TRIGGER_TYPES = [
  'job_created',
  'job_status_changed',
  'job_completed',
  'invoice_created',
  'invoice_sent',
  'invoice_paid',
  'client_created',
  'client_updated',
  'estimate_created',
  'estimate_sent',
  'estimate_accepted',
  'estimate_declined',
] as const;
export const CLOCK_TRIGGER_TYPES = ['job_overdue', 'invoice_overdue', 'client_inactive', 'scheduled', 'recurring'] as const;
/** sms_received: a text a client sent to the organization's number (not a STOP/START/HELP keyword: those are consent) */
export const EXTERNAL_TRIGGER_TYPES = ['manual', 'webhook', 'sms_received'] as const;
export const TRIGGER_TYPES = [...CDC_TRIGGER_TYPES, ...CLOCK_TRIGGER_TYPES, ...EXTERNAL_TRIGGER_TYPES] as const;
export const TriggerType = z.enum(TRIGGER_TYPES);
export type TriggerType = z.infer<typeof TriggerType>;

/** The record types a trigger can be about. */
export const TRIGGER_ENTITIES = ['job', 'invoice', 'client', 'estimate'] as const;
export type TriggerEntity = (typeof TRIGGER_ENTITIES)[number];

/** The record a trigger type is about (`job_completed`, `job_overdue` → job); null for scheduled, recurring, manual and webhook. */
export const triggerEntity = (t: TriggerType | string | undefined): TriggerEntity | null => (t && TRIGGER_ENTITIES.find((e) => t.startsWith(`${e}_`))) || null;

export const ACTION_TYPES = [
  'send_email',
  'send_sms',
  'send_push_notification',
  'webhook',
  'api_call',
  'update_record',
  'create_task',
  'assign_technician',
] as const;
export const CONTROL_TYPES = ['condition', 'delay', 'loop'] as const;
export const ActionType = z.enum(ACTION_TYPES);
export type ActionType = z.infer<typeof ActionType>;
export const StepType = z.enum([...ACTION_TYPES, ...CONTROL_TYPES]);
export type StepType = z.infer<typeof StepType>;

/** A string rendered as a Liquid template over the execution context. */
const tpl = (max = 10_000) => z.string().max(max);
const nodeId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -');
const position = z.object({ x: z.number(), y: z.number() }).optional();

const triggerConfig = {
  job_overdue: z.object({ graceMinutes: z.number().int().min(0).max(100_000).default(0) }).strict(),
  invoice_overdue: z.object({ daysOverdue: z.number().int().min(0).max(3650).default(0) }).strict(),
  client_inactive: z.object({ days: z.number().int().min(1).max(3650) }).strict(),
  scheduled: z.object({ at: z.iso.datetime({ offset: true }) }).strict(),
  recurring: z.object({ cron: z.string().min(9).max(120), timezone: z.string().min(1).max(64) }).strict(),
} as const;

const cdcTrigger = <T extends (typeof CDC_TRIGGER_TYPES)[number] | 'manual' | 'webhook' | 'sms_received'>(t: T) =>
  z.object({ type: z.literal(t), filter: Condition.optional() }).strict();

export const TriggerSpec = z.discriminatedUnion('type', [
  cdcTrigger('job_created'),
  cdcTrigger('job_status_changed'),
  cdcTrigger('job_completed'),
  cdcTrigger('invoice_created'),
  cdcTrigger('invoice_sent'),
  cdcTrigger('invoice_paid'),
  cdcTrigger('client_created'),
  cdcTrigger('client_updated'),
  cdcTrigger('estimate_created'),
  cdcTrigger('estimate_sent'),
  cdcTrigger('estimate_accepted'),
  cdcTrigger('estimate_declined'),
  z.object({ type: z.literal('job_overdue'), config: triggerConfig.job_overdue, filter: Condition.optional() }).strict(),
  z.object({ type: z.literal('invoice_overdue'), config: triggerConfig.invoice_overdue, filter: Condition.optional() }).strict(),
  z.object({ type: z.literal('client_inactive'), config: triggerConfig.client_inactive, filter: Condition.optional() }).strict(),
  z.object({ type: z.literal('scheduled'), config: triggerConfig.scheduled, filter: Condition.optional() }).strict(),
  z.object({ type: z.literal('recurring'), config: triggerConfig.recurring, filter: Condition.optional() }).strict(),
  cdcTrigger('manual'),
  cdcTrigger('webhook'),
  cdcTrigger('sms_received'),
]);
export type TriggerSpec = z.infer<typeof TriggerSpec>;

const retryPolicy = z
  .object({
    maxAttempts: z.number().int().min(1).max(20).default(5),
    initialDelayMs: z.number().int().min(10).max(3_600_000).default(1000),
    maxDelayMs: z.number().int().min(10).max(86_400_000).default(300_000),
  })
  .strict();
export const RetryPolicy = retryPolicy;
export type RetryPolicy = z.infer<typeof retryPolicy>;

const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Secrets a step sends (api_call auth token, password or header value; webhook and api_call header
 * values). The API stores them sealed (`fxsecret:v1:…`, AES-256-GCM bound to the organization,
 * workflow, step and URL; libs/channels workflow-secrets) and answers them as SECRET_PLACEHOLDER;
 * a definition saved with the placeholder keeps the stored value. The executor opens them just
 * before rendering. A sealed value is longer than its plain value, so these fields allow the sealed
 * length of their plain limit (SECRET_PLAIN_MAX, what the API accepts).
 */
export const SEALED_SECRET_PREFIX = 'fxsecret:';
export const SECRET_PLACEHOLDER = '••••••••';
export const SECRET_PLAIN_MAX = { headerValue: 2000, token: 4000, password: 500, authHeaderValue: 4000 } as const;
/** `fxsecret:v1:<b64 iv>:<b64 tag>:<b64 data>` of a plain value of this many UTF-8 bytes */
export const sealedSecretLength = (plainBytes: number): number => SEALED_SECRET_PREFIX.length + 'v1:'.length + 16 + 1 + 24 + 1 + Math.ceil(plainBytes / 3) * 4;
const secretTpl = (plainMax: number) => z.string().max(sealedSecretLength(plainMax));
const headers = z.record(z.string().max(100), secretTpl(SECRET_PLAIN_MAX.headerValue)).optional();

export const ActionConfigs = {
  send_email: z
    .object({
      to: tpl(500).default('{{ client.email }}'),
      subject: tpl(500),
      text: tpl(50_000).optional(),
      html: tpl(100_000).optional(),
      provider: z.enum(['mailgun', 'smtp']).optional(),
    })
    .strict()
    .refine((c) => c.text !== undefined || c.html !== undefined, { message: 'an email needs a text or html body', path: ['text'] }),
  send_sms: z.object({ to: tpl(100).default('{{ client.phone }}'), body: tpl(1600).min(1) }).strict(),
  send_push_notification: z
    .object({ userRef: tpl(200).default('{{ client.id }}'), title: tpl(200).min(1), body: tpl(2000), url: tpl(2000).optional() })
    .strict(),
  webhook: z.object({ url: tpl(2000).min(1), payload: tpl(100_000).optional(), headers }).strict(),
  api_call: z
    .object({
      url: tpl(2000).min(1),
      method: httpMethod.default('GET'),
      headers,
      body: tpl(100_000).optional(),
      auth: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('bearer'), token: secretTpl(SECRET_PLAIN_MAX.token) }).strict(),
          z.object({ type: z.literal('basic'), username: tpl(500), password: secretTpl(SECRET_PLAIN_MAX.password) }).strict(),
          z.object({ type: z.literal('header'), name: z.string().min(1).max(100), value: secretTpl(SECRET_PLAIN_MAX.authHeaderValue) }).strict(),
        ])
        .optional(),
      saveAs: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .max(64)
        .optional(),
      timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    })
    .strict(),
  update_record: z
    .object({
      table: z.enum(['jobs', 'invoices', 'clients', 'estimates', 'tasks']),
      id: tpl(200).default('{{ event.entityId }}'),
      set: z
        .record(
          z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/)
            .max(63),
          tpl(5000),
        )
        .refine((o) => Object.keys(o).length > 0, 'set at least one column'),
    })
    .strict(),
  create_task: z
    .object({
      title: tpl(500).min(1),
      description: tpl(5000).optional(),
      dueInHours: z
        .number()
        .min(0)
        .max(24 * 365)
        .optional(),
      assigneeTechnicianId: tpl(200).optional(),
      jobId: tpl(200).optional(),
    })
    .strict(),
  assign_technician: z
    .object({
      jobId: tpl(200).default('{{ job.id }}'),
      strategy: z.enum(['given', 'least_busy']),
      technicianId: tpl(200).optional(),
    })
    .strict()
    .refine((c) => c.strategy !== 'given' || !!c.technicianId, { message: 'strategy given needs technicianId', path: ['technicianId'] }),
} as const;

export const ControlConfigs = {
  condition: z.object({ when: Condition }).strict(),
  delay: z.discriminatedUnion('mode', [
    z
      .object({
        mode: z.literal('duration'),
        seconds: z
          .number()
          .int()
          .min(0)
          .max(366 * 86400),
      })
      .strict(),
    z
      .object({
        mode: z.literal('until'),
        /** a template rendering to an ISO time, e.g. `{{ job.scheduled_start }}` */
        at: tpl(500).min(1),
        offsetSeconds: z
          .number()
          .int()
          .min(-366 * 86400)
          .max(366 * 86400)
          .default(0),
      })
      .strict(),
  ]),
  loop: z
    .object({
      over: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, 'a dotted path to a list in the context'),
      as: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .max(64)
        .default('item'),
      maxIterations: z.number().int().min(1).max(1000).default(100),
    })
    .strict(),
} as const;

const baseNode = { id: nodeId, label: z.string().max(200).optional(), position };
const actionNode = <T extends ActionType>(t: T) =>
  z.object({ ...baseNode, type: z.literal(t), config: ActionConfigs[t], retry: retryPolicy.optional() }).strict();

export const TriggerNode = z.object({ ...baseNode, type: z.literal('trigger'), trigger: TriggerSpec }).strict();
export const WorkflowNode = z.discriminatedUnion('type', [
  TriggerNode,
  actionNode('send_email'),
  actionNode('send_sms'),
  actionNode('send_push_notification'),
  actionNode('webhook'),
  actionNode('api_call'),
  actionNode('update_record'),
  actionNode('create_task'),
  actionNode('assign_technician'),
  z.object({ ...baseNode, type: z.literal('condition'), config: ControlConfigs.condition }).strict(),
  z.object({ ...baseNode, type: z.literal('delay'), config: ControlConfigs.delay }).strict(),
  z.object({ ...baseNode, type: z.literal('loop'), config: ControlConfigs.loop }).strict(),
]);
export type WorkflowNode = z.infer<typeof WorkflowNode>;
export type TriggerNode = z.infer<typeof TriggerNode>;

/** `true`/`false` leave a condition; `body`/`done` leave a loop; everything else uses `next`. */
export const EdgeBranch = z.enum(['next', 'true', 'false', 'body', 'done']);
export type EdgeBranch = z.infer<typeof EdgeBranch>;
export const WorkflowEdge = z.object({ id: z.string().min(1).max(100), source: nodeId, target: nodeId, branch: EdgeBranch.default('next') }).strict();
export type WorkflowEdge = z.infer<typeof WorkflowEdge>;

export const ReenrollmentPolicy = z.enum(['every_time', 'once_per_entity']);
export type ReenrollmentPolicy = z.infer<typeof ReenrollmentPolicy>;

export const WorkflowDefinition = z
  .object({
    schemaVersion: z.literal(1).default(1),
    nodes: z.array(WorkflowNode).min(1).max(200),
    edges: z.array(WorkflowEdge).max(400),
    settings: z
      .object({ reenrollment: ReenrollmentPolicy.default('every_time') })
      .strict()
      .default({ reenrollment: 'every_time' }),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;
