import type { RotatedWebhookSecret } from '@fixlify/contracts';

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

/**
 * The API's answers, as the contract (libs/contracts/src/api) defines them, under the names the
 * pages use. Nothing is retyped here: a change of the API's answers shows up as a type error.
 */
export type {
  Catalog,
  CatalogEntry,
  ChannelAccount,
  ChannelAccounts,
  DeadLetterEntry,
  ExecutionDetail,
  ExecutionStatus,
  ExecutionSummary,
  JsonSchema,
  LiveEvent,
  Me,
  MetricsPoint,
  Redrive,
  RedriveResult,
  ReplayView,
  Template,
  WorkflowDetail,
  WorkflowSummary,
} from '@fixlify/contracts';

/** One step of an execution's timeline: the execution log's own record of it. */
export type { ActionExecuted as StepLog } from '@fixlify/contracts';

/**
 * POST /api/webhook-secret/rotate (owners): a new webhook signing secret, in this answer only, and
 * until when the previous one is still accepted (the deployment's grace period; null: not at all, or there was none).
 */
export const rotateWebhookSecret = () => api.post<RotatedWebhookSecret>('/api/webhook-secret/rotate', {});
