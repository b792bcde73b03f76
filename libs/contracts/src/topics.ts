/**
 * Topic names are a public contract: consumers outside this repository (analytics, backfills)
 * read them. Never rename one without a migration plan (dual-write, then move readers).
 */
export const TOPICS = {
  workflows: 'automation.workflows.v1',
  events: 'automation.events.v1',
  commands: 'automation.commands.v1',
  /** the replay lane: backfill start commands, drained by the executor only with spare capacity */
  replayCommands: 'automation.replay-commands.v1',
  stepResults: 'automation.step-results.v1',
  dlq: 'automation.dlq.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Debezium writes one topic per captured table: `<prefix>.public.<table>`. */
export const CDC_TOPIC_PREFIX_DEFAULT = 'fixlify';

export const BUSINESS_TABLES = ['organizations', 'clients', 'technicians', 'jobs', 'invoices', 'estimates', 'tasks'] as const;
export type BusinessTable = (typeof BUSINESS_TABLES)[number];

/**
 * The business table of each entity type a workflow can point at by id: context loading, manual
 * triggers and ownership checks read the entity from here (organizations, workflows and "none"
 * have no row of their own to load).
 */
export const ENTITY_TABLES = {
  job: 'jobs',
  invoice: 'invoices',
  estimate: 'estimates',
  client: 'clients',
  technician: 'technicians',
  task: 'tasks',
} as const satisfies Record<string, BusinessTable>;
export type RecordEntityType = keyof typeof ENTITY_TABLES;

/** The table of an entity type, or null for one without a row (organization, workflow, none). */
export const entityTable = (entityType: string): BusinessTable | null =>
  Object.hasOwn(ENTITY_TABLES, entityType) ? ENTITY_TABLES[entityType as RecordEntityType] : null;

export const WORKFLOW_TABLES = ['automation_workflows', 'automation_workflow_versions'] as const;

export const CAPTURED_TABLES = [...BUSINESS_TABLES, ...WORKFLOW_TABLES] as const;
export type CapturedTable = (typeof CAPTURED_TABLES)[number];

export const cdcTopic = (prefix: string, table: CapturedTable): string => `${prefix}.public.${table}`;

/** Debezium's heartbeat topic (`topic.heartbeat.prefix` default): ingest watches its age to know change capture is alive. */
export const cdcHeartbeatTopic = (prefix: string): string => `__debezium-heartbeat.${prefix}`;
