import { v5 as uuidv5 } from 'uuid';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value has the shape of a UUID (any version): checked before an id reaches a uuid column. */
export const isUuid = (value: unknown): boolean => typeof value === 'string' && UUID_SHAPE.test(value);

/** Namespace of every deterministic id of Fixlify Automation (a fixed random UUID). */
const NAMESPACE = '6f0d7a8e-2b7c-4b8e-9a35-1c1f3e0b9d42';

/** Event id from the source position of a CDC change: a redelivered change yields the same id. */
export const cdcEventId = (p: { lsn: string; txId: string; table: string; key: string; type: string }): string =>
  uuidv5(`cdc|${p.lsn}|${p.txId}|${p.table}|${p.key}|${p.type}`, NAMESPACE);

/** Event id of one occurrence of a clock trigger (workflow + entity + occurrence time). */
export const clockEventId = (p: { workflowId: string; entityId: string; occurrence: string }): string =>
  uuidv5(`clock|${p.workflowId}|${p.entityId}|${p.occurrence}`, NAMESPACE);

/** Event id of a record enrolled by a workflow on a record-change trigger (workflow + trigger + record): enrolling twice yields the same id. */
export const enrollEventId = (p: { workflowId: string; triggerType: string; entityId: string }): string =>
  uuidv5(`enroll|${p.workflowId}|${p.triggerType}|${p.entityId}`, NAMESPACE);

/** Event id for manual and webhook triggers, from the caller's request id (idempotency key). */
export const requestEventId = (p: { workflowId: string; requestId: string; kind: 'manual' | 'webhook' }): string =>
  uuidv5(`${p.kind}|${p.workflowId}|${p.requestId}`, NAMESPACE);

/** Execution id: workflow version + event id (or + entity for once-per-entity enrollment). */
export const executionId = (versionOrWorkflow: string, enrollmentKey: string): string => uuidv5(`exec|${versionOrWorkflow}|${enrollmentKey}`, NAMESPACE);

/** Step key: execution id + step id + loop iteration path; the delivery ledger's key. */
export const stepKey = (executionId: string, stepId: string, iteration = ''): string =>
  iteration ? `${executionId}:${stepId}:${iteration}` : `${executionId}:${stepId}`;
