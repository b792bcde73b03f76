import { z } from 'zod';

/**
 * What ingest's change-capture watchdog knows (GET /status/cdc on ingest's service port; the API
 * passes it on at GET /api/system/status and the web app shows a banner while capture is stopped).
 */
export const ChangeCaptureStatus = z.object({
  /** running: connector and tasks RUNNING and heartbeats arriving; stopped: nothing is captured; unknown: not checked (yet) */
  state: z.enum(['running', 'stopped', 'unknown']),
  /** why not running, in a sentence */
  reason: z.string().nullable(),
  /** when change capture was first seen stopped (ISO), null while running */
  stoppedSince: z.string().nullable(),
  connector: z.object({
    name: z.string(),
    state: z.string().nullable(),
    tasks: z.array(z.object({ id: z.number().int(), state: z.string(), error: z.string().nullable() })),
  }),
  slot: z.object({ name: z.string(), active: z.boolean().nullable(), retainedWalBytes: z.number().nullable() }),
  /** seconds since the last Debezium heartbeat reached ingest; null before the first */
  heartbeatAgeSeconds: z.number().nullable(),
  /** failed connector tasks the watchdog restarted through Connect's REST API */
  taskRestarts: z.number().int(),
  checkedAt: z.string().nullable(),
});
export type ChangeCaptureStatus = z.infer<typeof ChangeCaptureStatus>;

/** GET /api/system/status: whether automations are flowing, for every signed-in member. */
export const SystemStatus = z.object({
  changeCapture: ChangeCaptureStatus,
});
export type SystemStatus = z.infer<typeof SystemStatus>;
