import type { DomainEvent } from './messages';

/**
 * An execution's trigger data (execution_started.triggerData, the execution log's trigger_data):
 * the ids the system derived for the event, beside the trigger's payload (a manual run's context, a
 * webhook's body). The payload is the caller's; the ids are not: a context key `entityId` must
 * not make a retry rebuild the event about another record, nor `eventId` about another event.
 */
export const SYSTEM_TRIGGER_KEYS = ['eventId', 'entityType', 'entityId'] as const;
/** where payload values whose keys collide with the system's are kept (so nothing of the payload is lost) */
export const SHADOWED_PAYLOAD_KEY = 'payloadShadowed';
const RESERVED = new Set<string>([...SYSTEM_TRIGGER_KEYS, SHADOWED_PAYLOAD_KEY]);

/** The trigger data of an event: the payload, then the system's ids over it; colliding payload keys kept aside. */
export const triggerDataOf = (ev: Pick<DomainEvent, 'eventId' | 'entityType' | 'entityId' | 'data'>): Record<string, unknown> => {
  const shadowed = Object.fromEntries(Object.entries(ev.data).filter(([k]) => RESERVED.has(k)));
  const out: Record<string, unknown> = {
    ...ev.data,
    eventId: ev.eventId,
    entityType: ev.entityType,
    entityId: ev.entityId,
  };
  if (Object.keys(shadowed).length > 0) out[SHADOWED_PAYLOAD_KEY] = shadowed;
  else delete out[SHADOWED_PAYLOAD_KEY];
  return out;
};

/** The inverse: the system's ids and the payload exactly as the trigger gave it. */
export const splitTriggerData = (
  triggerData: Record<string, unknown>,
): { eventId: unknown; entityType: unknown; entityId: unknown; payload: Record<string, unknown> } => {
  const payload = Object.fromEntries(Object.entries(triggerData).filter(([k]) => !RESERVED.has(k)));
  const shadowed = triggerData[SHADOWED_PAYLOAD_KEY];
  if (shadowed !== null && typeof shadowed === 'object' && !Array.isArray(shadowed)) Object.assign(payload, shadowed);
  return { eventId: triggerData.eventId, entityType: triggerData.entityType, entityId: triggerData.entityId, payload };
};
