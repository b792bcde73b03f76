import { ChangeCaptureStatus, type SystemStatus } from '@fixlify/contracts';

const unknown = (reason: string): ChangeCaptureStatus => ({
  state: 'unknown',
  reason,
  stoppedSince: null,
  connector: { name: '', state: null, tasks: [] },
  slot: { name: '', active: null, retainedWalBytes: null },
  heartbeatAgeSeconds: null,
  taskRestarts: 0,
  checkedAt: null,
});

/**
 * Whether automations are flowing, as ingest's change-capture watchdog sees it (ingest owns the
 * watch; the API only passes it on). An unreachable or unreadable ingest is "unknown", never "running".
 */
export const readSystemStatus = async (ingestStatusUrl: string): Promise<SystemStatus> => {
  try {
    const res = await fetch(`${ingestStatusUrl}/status/cdc`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return { changeCapture: unknown(`ingest answered ${res.status}`) };
    const parsed = ChangeCaptureStatus.safeParse(await res.json());
    return { changeCapture: parsed.success ? parsed.data : unknown('ingest answered an unreadable status') };
  } catch (e) {
    return { changeCapture: unknown(`ingest unreachable (${e instanceof Error ? e.message : String(e)})`) };
  }
};
