import type { WorkflowVerdict } from '@fixlify/contracts';
import { verdictText } from './verdict';

const base: WorkflowVerdict = {
  workflowId: '00000000-0000-4000-8000-000000000001',
  workflowName: 'Overdue reminder',
  version: 2,
  outcome: 'not_started',
  reason: 'filter',
  detail: 'filter: after.total gte 500 failed (was 300)',
  failed: { field: 'after.total', op: 'gte', expected: 500, actual: 300 },
  executionId: null,
  executionStatus: null,
  suppressedSteps: [],
  waiting: [],
};

describe('verdictText', () => {
  it('a failed filter names the field, what it wants and what the record had', () => {
    expect(verdictText(base)).toBe('Did not start: its filter wants after.total gte 500, the record had 300');
  });
  it('other reasons read their sentence', () => {
    expect(verdictText({ ...base, reason: 'not_published_yet', failed: null, detail: 'no version was published yet' })).toBe(
      'Did not start: no version was published yet',
    );
  });
  it('a start names its status and what held it back', () => {
    expect(
      verdictText({
        ...base,
        outcome: 'started',
        reason: null,
        detail: null,
        failed: null,
        executionId: base.workflowId,
        executionStatus: 'completed',
        suppressedSteps: ['sms'],
      }),
    ).toBe('Started (version 2, completed) — held back by consent: sms');
  });
});
