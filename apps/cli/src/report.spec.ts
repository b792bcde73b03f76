import { emptyPreviewReport } from '@fixlify/contracts';
import { parseReplayStart, UsageError } from './args';
import { previewTables } from './report';

describe('fixlify replay: previews', () => {
  const now = new Date('2026-12-02T12:00:00Z');

  it('--draft and --compare-version make a dry run of the draft against a version', () => {
    const a = parseReplayStart(['--workflow', 'w1', '--from', '-7d', '--draft', '--compare-version', '3'], now);
    expect(a.body).toMatchObject({ mode: 'dry_run', draft: true, compareVersion: 3, from: '2026-11-25T12:00:00.000Z' });
  });

  it('refuses a draft with --run, and --compare-version with --run', () => {
    expect(() => parseReplayStart(['--workflow', 'w1', '--from', '-7d', '--draft', '--run'], now)).toThrow(/draft can only be previewed/);
    expect(() => parseReplayStart(['--workflow', 'w1', '--from', '-7d', '--run', '--compare-version', '2'], now)).toThrow(UsageError);
  });

  it('prints steps, channels, waits, the comparison and samples', () => {
    const r = emptyPreviewReport(2);
    Object.assign(r, {
      simulated: 4,
      completed: 3,
      failed: 1,
      steps: { big: { type: 'condition', reached: 4, succeeded: 4, failed: 0, branches: { true: 3, false: 1 } } },
      channels: { sms: { sent: 2, suppressed: 1 } },
      suppressedReasons: { 'client has no sms consent': 1 },
      waits: { quiet_hours: { count: 1, first: '2026-12-03T08:00:00.000Z', last: '2026-12-03T08:00:00.000Z' } },
      failures: [{ stepId: 'mail', code: 'template_render_failed', message: 'unknown filter', count: 1 }],
    });
    r.compare!.started = 4;
    r.compare!.totals.channels = { sms: { sent: 1, suppressed: 1 } };
    r.samples = [
      {
        executionId: '44444444-4444-4444-8444-444444444444',
        eventId: '55555555-5555-4555-8555-555555555555',
        entityId: 'job-1',
        state: 'completed',
        steps: [{ stepId: 'text', type: 'send_sms', outcome: 'succeeded' }],
        messages: [{ stepId: 'text', channel: 'sms', to: '+15550001111', body: 'Hi Grace' }],
        waits: [],
      },
    ];
    const out = previewTables(r, 4);
    for (const s of [
      'would complete',
      'big',
      'quiet hours',
      'client has no sms consent',
      'template_render_failed',
      'sms sent',
      '+1',
      'sms → +15550001111 | Hi Grace',
    ])
      expect(out).toContain(s);
  });
});
