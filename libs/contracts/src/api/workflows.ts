import { z } from 'zod';
import { ReenrollmentPolicy } from '../workflow-definition';
import { Id, Timestamp } from './common';

/**
 * A draft may be unfinished (the builder saves work in progress): the API checks this outline, then
 * its size and that it holds no unknown field or type (413, 422); publish checks it all.
 */
export const DraftDefinition = z
  .object({
    schemaVersion: z.literal(1).optional(),
    nodes: z.array(z.looseObject({ id: z.string().min(1).max(64), type: z.string().min(1).max(64) })).max(200),
    edges: z.array(z.looseObject({ id: z.string().min(1).max(100), source: z.string().max(64), target: z.string().max(64) })).max(400),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type DraftDefinition = z.infer<typeof DraftDefinition>;

const record = z.record(z.string(), z.unknown());

/** POST /api/workflows */
export const CreateWorkflowBody = z
  .object({ name: z.string().trim().min(1).max(200), description: z.string().max(2000).optional(), definition: DraftDefinition.optional() })
  .strict();
export type CreateWorkflowBody = z.infer<typeof CreateWorkflowBody>;

/** PUT /api/workflows/:id */
export const UpdateWorkflowBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    definition: DraftDefinition.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one of name, description, definition');
export type UpdateWorkflowBody = z.infer<typeof UpdateWorkflowBody>;

/** POST /api/workflows/validate */
export const ValidateBody = z.object({ definition: z.unknown() }).strict();
export type ValidateBody = z.infer<typeof ValidateBody>;

/** POST /api/workflows/:id/publish */
export const PublishBody = z.object({ activate: z.boolean().optional() }).strict();
export type PublishBody = z.infer<typeof PublishBody>;

/** The record types a manual run may be about. */
export const ManualEntityRef = z.object({ type: z.enum(['job', 'invoice', 'client', 'estimate']), id: z.uuid() }).strict();
export type ManualEntityRef = z.infer<typeof ManualEntityRef>;

/** POST /api/workflows/:id/trigger */
export const TriggerBody = z
  .object({ requestId: z.string().min(1).max(200).optional(), context: record.default({}), entity: ManualEntityRef.optional() })
  .strict();
export type TriggerBody = z.infer<typeof TriggerBody>;

/** POST /api/workflows/:id/test-run: the sample the trigger gets (its images and data) */
export const TestRunBody = z
  .object({
    requestId: z.string().min(1).max(200).optional(),
    entityId: z.uuid().optional(),
    after: record.optional(),
    before: record.optional(),
    data: record.optional(),
  })
  .strict();
export type TestRunBody = z.infer<typeof TestRunBody>;

/** GET /api/workflows */
export const WorkflowListQuery = z.object({ status: z.enum(['draft', 'active', 'inactive']).optional(), trigger: z.string().max(64).optional() });
export type WorkflowListQuery = z.infer<typeof WorkflowListQuery>;

/** A workflow as lists show it, with its counters (archived workflows are gone for the API). */
export const WorkflowSummary = z.object({
  id: Id,
  name: z.string(),
  description: z.string().nullable(),
  status: z.enum(['draft', 'active', 'inactive']),
  isActive: z.boolean(),
  /** the trigger of the running version, or of the draft while none is published; null when the draft names no known one */
  triggerType: z.string().nullable(),
  currentVersion: z.number().int(),
  publishedVersionId: Id.nullable(),
  templateId: Id.nullable(),
  executionCount: z.number().int(),
  successCount: z.number().int(),
  failureCount: z.number().int(),
  lastTriggeredAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WorkflowSummary = z.infer<typeof WorkflowSummary>;

export const WorkflowList = z.object({ items: z.array(WorkflowSummary) });
export type WorkflowList = z.infer<typeof WorkflowList>;

/** A workflow with its draft and published definitions; steps' secrets are shown as the placeholder. */
export const WorkflowDetail = WorkflowSummary.extend({
  /** the draft as stored (possibly unfinished) */
  definition: record,
  publishedDefinition: record.nullable(),
  /** the inbound-webhook secret: null for viewers, and for workflows without one */
  webhookSecret: z.string().nullable(),
  reenrollment: ReenrollmentPolicy,
});
export type WorkflowDetail = z.infer<typeof WorkflowDetail>;

/** One problem of a definition, phrased for the builder: the step (`nodeId`), the field (`path`), or a connection (`edgeId`). */
export const WorkflowIssue = z.object({
  nodeId: z.string().nullable(),
  path: z.string(),
  message: z.string(),
  code: z.string(),
  edgeId: z.string().optional(),
});
export type WorkflowIssue = z.infer<typeof WorkflowIssue>;

/** POST /api/workflows/validate and /api/workflows/:id/validate */
export const ValidationResult = z.object({ ok: z.boolean(), errors: z.array(WorkflowIssue) });
export type ValidationResult = z.infer<typeof ValidationResult>;

/** POST /api/workflows/:id/publish: the new version and the workflow after it */
export const PublishResult = z.object({ workflowId: Id, versionId: Id, version: z.number().int().min(1), workflow: WorkflowDetail });
export type PublishResult = z.infer<typeof PublishResult>;

/** A published version (immutable) */
export const WorkflowVersion = z.object({
  id: Id,
  version: z.number().int().min(1),
  triggerType: z.string(),
  definition: record,
  publishedBy: z.string().nullable(),
  publishedAt: Timestamp,
});
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;

export const WorkflowVersionList = z.object({ items: z.array(WorkflowVersion) });
export type WorkflowVersionList = z.infer<typeof WorkflowVersionList>;

/** POST /api/workflows/:id/trigger: the event sent and the execution it starts */
export const TriggerResult = z.object({ eventId: Id, executionId: Id });
export type TriggerResult = z.infer<typeof TriggerResult>;

/** POST /api/workflows/:id/test-run: the execution started, and whether the sample passes the trigger's filter */
export const TestRunResult = z.object({ executionId: Id, filterMatched: z.boolean() });
export type TestRunResult = z.infer<typeof TestRunResult>;

/** The part of JSON Schema the builder's forms read; other keywords pass through. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  format?: string;
  description?: string;
}
export const JsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    properties: z.record(z.string(), JsonSchema).optional(),
    required: z.array(z.string()).optional(),
    enum: z.array(z.unknown()).optional(),
    const: z.unknown().optional(),
    default: z.unknown().optional(),
    items: JsonSchema.optional(),
    additionalProperties: z.union([JsonSchema, z.boolean()]).optional(),
    oneOf: z.array(JsonSchema).optional(),
    anyOf: z.array(JsonSchema).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    maxLength: z.number().optional(),
    minLength: z.number().optional(),
    format: z.string().optional(),
    description: z.string().optional(),
  }),
);

/** A trigger, action or control step of the builder's palette */
export const CatalogEntry = z.object({
  type: z.string(),
  label: z.string(),
  group: z.string().optional(),
  configSchema: JsonSchema.nullable(),
  defaultConfig: record.nullable(),
  /** the context variables a template may use (triggers) */
  variables: z.array(z.string()).optional(),
  /** the outgoing connections of a control step */
  branches: z.array(z.string()).optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

/** GET /api/catalog */
export const Catalog = z.object({
  triggers: z.array(CatalogEntry),
  actions: z.array(CatalogEntry),
  controls: z.array(CatalogEntry),
  conditionSchema: JsonSchema,
});
export type Catalog = z.infer<typeof Catalog>;
