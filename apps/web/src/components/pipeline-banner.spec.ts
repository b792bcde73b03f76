import type { SystemStatus } from '@fixlify/contracts';
import { pipelineBannerText } from './pipeline-banner';

const status = (state: 'running' | 'stopped' | 'unknown', reason: string | null = null, stoppedSince: string | null = null): SystemStatus => ({
  changeCapture: {
    state,
    reason,
    stoppedSince,
    connector: { name: 'fixlify-postgres', state: null, tasks: [] },
    slot: { name: 'fixlify_slot', active: null, retainedWalBytes: null },
    heartbeatAgeSeconds: null,
    taskRestarts: 0,
    checkedAt: null,
  },
});

describe('pipelineBannerText', () => {
  it('says nothing while change capture runs or its state is unknown', () => {
    expect(pipelineBannerText(status('running'), (t) => t)).toBeNull();
    expect(pipelineBannerText(status('unknown', 'ingest unreachable'), (t) => t)).toBeNull();
  });
  it('names when and why change capture stopped', () => {
    expect(pipelineBannerText(status('stopped', 'task 0 FAILED: boom', '2026-12-02T12:03:00.000Z'), () => '12:03')).toBe(
      'Automations are paused: change capture stopped at 12:03 — task 0 FAILED: boom. Changes made meanwhile are kept and run once it is back.',
    );
  });
});
