/**
 * Size limits, end to end (README "Limits"). One business row can be large (a long job description,
 * an invoice with many lines): an update of a REPLICA IDENTITY FULL table carries the row twice
 * (before and after) and JSON escaping grows text, so a 3 MB text column makes a ~6–7 MB change event.
 *
 *   API draft (256 KiB)  ≪  CDC change event (12 MiB, else a marker)  <  any Kafka record (16 MiB)
 */
export const LIMITS = {
  /** Largest workflow draft the API stores: its definition as JSON, in bytes (UTF-8). */
  workflowDraftBytes: 256 * 1024,
  /**
   * Largest change event (serialized key + value) Debezium passes on; a larger one becomes an
   * `oversized` marker (the Connect transform io.fixlify.connect.OversizedToMarker, `max.bytes` in
   * infra/connect/fixlify-postgres.json) that ingest turns into a dead letter.
   */
  cdcRecordBytes: 12 * 1024 * 1024,
  /**
   * Largest record the cluster takes: broker `message.max.bytes`/`replica.fetch.max.bytes`, every
   * topic's `max.message.bytes`, Connect's `producer.max.request.size`, and the Node consumers' fetch
   * size per partition. Above cdcRecordBytes so that what a change becomes (a domain event carrying
   * its images, a start command carrying that event and the definition) still fits.
   */
  kafkaMessageBytes: 16 * 1024 * 1024,
} as const;
