import type { SystemStatus } from '@fixlify/contracts';

/**
 * The sentence the banner shows, or null when automations flow (or nothing is known: an unknown
 * state is not announced as an outage).
 */
export const pipelineBannerText = (s: SystemStatus, formatTime: (iso: string) => string): string | null => {
  const c = s.changeCapture;
  if (c.state !== 'stopped') return null;
  const since = c.stoppedSince ? ` at ${formatTime(c.stoppedSince)}` : '';
  return `Automations are paused: change capture stopped${since}${c.reason ? ` — ${c.reason}` : ''}. Changes made meanwhile are kept and run once it is back.`;
};
