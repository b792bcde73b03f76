import type { ChannelProvider } from '@fixlify/contracts';

/** The web app's only way to the API: same origin, session cookie, JSON errors `{code, message, details}`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { code?: string; message?: string; details?: unknown };
    if (res.status === 401 && !path.startsWith('/api/auth/')) window.dispatchEvent(new CustomEvent('fixlify:signed-out'));
    throw new ApiFailure(res.status, e.code ?? 'error', e.message ?? `The server answered ${res.status}`, e.details);
  }
  return data as T;
};

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export interface Me {
  organization: { id: string; name: string; time_zone: string } | null;
  role: 'owner' | 'editor' | 'viewer';
  user: { id: string; email: string; name: string; role: string } | null;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string | null;
  status: 'draft' | 'active' | 'inactive';
  isActive: boolean;
  triggerType: string | null;
  currentVersion: number;
  publishedVersionId: string | null;
  executionCount: number;
  successCount: number;
  failureCount: number;
  lastTriggeredAt: string | null;
  updatedAt: string;
}

export interface WorkflowDetail extends WorkflowSummary {
  definition: unknown;
  publishedDefinition: unknown;
  webhookSecret: string | null;
}

export interface CatalogEntry {
  type: string;
  label: string;
  group?: string;
  configSchema: JsonSchema | null;
  defaultConfig: Record<string, unknown> | null;
  variables?: string[];
  branches?: string[];
}

export interface Catalog {
  triggers: CatalogEntry[];
  actions: CatalogEntry[];
  controls: CatalogEntry[];
}

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

export interface StepLog {
  stepId: string;
  type: string;
  /** unknown: a message to a person that may or may not have been delivered (error code outcome_unknown) */
  status: 'succeeded' | 'failed' | 'retrying' | 'unknown';
  attempt: number;
  startedAt: string;
  durationMs: number;
  output?: Record<string, unknown>;
  error?: { code: string; message: string };
  delivery?: string;
}

/** unknown: ended on a message to a person whose delivery nobody can know; it was not sent again */
export type ExecutionStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'unknown' | 'retry' | 'waiting' | 'cancelled';

export interface ExecutionSummary {
  id: string;
  workflowId: string;
  workflowName: string | null;
  version: number | null;
  status: ExecutionStatus;
  triggerType: string | null;
  errorMessage: string | null;
  retryCount: number;
  stepCount: number;
  startedAt: string | null;
  completedAt: string | null;
  executionTimeMs: number | null;
  testRun: boolean;
}

export interface ExecutionDetail extends ExecutionSummary {
  triggerData: Record<string, unknown>;
  steps: StepLog[];
  definition: unknown;
  deliveries: { stepKey: string; channel: string; status: string; attempts: number; providerMessageId: string | null; error: string | null }[];
  pendingTimers: { id: string; dueAt: string; reason: string }[];
}

export interface MetricsPoint {
  periodStart: string;
  total: number;
  successful: number;
  failed: number;
  successRate: number | null;
  avgMs: number;
  p95Ms: number;
  emails: number;
  sms: number;
  push: number;
  webhooks: number;
  suppressed: number;
}

export interface Template {
  id: string;
  slug: string;
  name: string;
  description: string;
  category: string;
  triggerType: string;
  tags: string[];
  usageCount: number;
  ratingCount: number;
  rating: number | null;
  featured: boolean;
}

export interface LiveEvent {
  kind: string;
  executionId: string;
  workflowId: string;
  status: ExecutionStatus;
  seq: number;
  at: string;
  stepId?: string;
  durationMs?: number;
  testRun?: boolean;
  error?: { message: string };
}

/** An organization's own provider account (GET/PUT /api/channels); the secret is never returned, only a hint. */
export interface ChannelAccount {
  provider: ChannelProvider;
  settings: Record<string, unknown>;
  secretHint: string;
  updatedAt: string;
}

export interface ChannelAccounts {
  items: ChannelAccount[];
  providers: ChannelProvider[];
}

export interface Redrive {
  count: number;
  firstAt: string;
  lastAt: string;
  lastBy: string;
}

/** A message on the dead-letter topic; `id` is `<dlq partition>:<dlq offset>`. */
export interface DeadLetterEntry {
  id: string;
  organizationId: string | null;
  deadLetter: {
    origin: { topic: string; partition: number; offset: string; key: string | null };
    consumer: string;
    reason: string;
    /** the original value, as text (may not be JSON) */
    value: string | null;
    failedAt: string;
  };
  redrive: Redrive | null;
}

export interface RedriveResult {
  id: string;
  topic: string;
  redrivenAt: string;
  redrive: Redrive;
}

/**
 * POST /api/webhook-secret/rotate (owners): a new webhook signing secret, in this answer only, and
 * until when the previous one is still accepted (the deployment's grace period; null: not at all, or there was none).
 */
export const rotateWebhookSecret = () => api.post<{ secret: string; secretHint: string; previousValidUntil: string | null; updatedAt: string }>('/api/webhook-secret/rotate', {});
