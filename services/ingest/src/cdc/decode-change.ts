import type { KafkaMessage } from 'kafkajs';
import { Counter } from 'prom-client';
import { DebeziumChangeEvent, DebeziumOversizedMarker, OVERSIZED_OP, type CapturedTable } from '@fixlify/contracts';
import { parseJsonValue, registry, schemaDecoder, type Decoded } from '@fixlify/kafka';

export const cdcOversizedRows = new Counter({
  name: 'fixlify_cdc_oversized_rows_total',
  help: 'Row changes Connect replaced by an oversized marker (over the transform max.bytes), per table; each one is a dead letter',
  labelNames: ['table'] as const,
  registers: [registry],
});

/** `failure` label of fixlify_messages_failed_total for a marker. */
export const OVERSIZED_FAILURE = 'oversized';

const keyText = (key: unknown, raw: Buffer | null): string => {
  if (key !== undefined && key !== null) return typeof key === 'string' ? key : JSON.stringify(key);
  return raw ? raw.toString('utf8') : 'null';
};

/**
 * The dead-letter reason for a change Connect could not send whole: the table, the key, the size and
 * the source position, so that someone can find the row, shrink it and save it again.
 */
export const oversizedReason = (marker: DebeziumOversizedMarker, table: string, rawKey: Buffer | null): string => {
  const src = marker.source;
  const at = [
    marker.originalOp ? `op ${marker.originalOp}` : '',
    src?.lsn !== undefined && src.lsn !== null ? `lsn ${src.lsn}` : '',
    src?.txId !== undefined && src.txId !== null ? `txId ${src.txId}` : '',
    src ? `committed ${new Date(src.ts_ms).toISOString()}` : '',
  ].filter(Boolean);
  const limit = marker.limit !== undefined ? `, over the CDC limit of ${marker.limit} bytes` : '';
  return (
    `oversized row: ${table} ${keyText(marker.key, rawKey)} was ${marker.bytes >= 0 ? `${marker.bytes} bytes` : 'too large'} as a change event${limit}` +
    `${at.length > 0 ? ` (${at.join(', ')})` : ''}; the change was not captured: shrink the row and save it again`
  );
};

/**
 * Decodes a CDC message: a Debezium change event, or an oversized marker, which becomes a dead letter
 * (with the table, key and size as its reason) and counts in fixlify_cdc_oversized_rows_total. The
 * consumer goes on either way.
 */
export const cdcDecoder = (tableOfTopic: (topic: string) => CapturedTable | undefined) => {
  const change = schemaDecoder(DebeziumChangeEvent);
  return (m: KafkaMessage, topic: string): Decoded<DebeziumChangeEvent> => {
    const parsed = parseJsonValue(m);
    if (parsed.ok !== true) return parsed;
    const v = parsed.value;
    if (typeof v === 'object' && v !== null && (v as { op?: unknown }).op === OVERSIZED_OP) {
      const r = DebeziumOversizedMarker.safeParse(v);
      // a marker that does not parse still names what it can: the topic's table and the message key
      const marker: DebeziumOversizedMarker = r.success ? r.data : { op: OVERSIZED_OP, bytes: -1 };
      const table = marker.source?.table ?? tableOfTopic(topic) ?? topic;
      cdcOversizedRows.inc({ table });
      return { ok: false, reason: oversizedReason(marker, table, m.key), failure: OVERSIZED_FAILURE };
    }
    return change(v);
  };
};
