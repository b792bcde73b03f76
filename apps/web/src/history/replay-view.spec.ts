import { replayControls, replayPercent, skipSummary } from './replay-view';

describe('replay view', () => {
  it('percent of the planned range read', () => {
    expect(replayPercent({ status: 'pending', progress: null })).toBeNull();
    expect(replayPercent({ status: 'running', progress: { read: 250, total: 1000 } })).toBe(25);
    expect(replayPercent({ status: 'running', progress: { read: 0, total: 0 } })).toBe(100);
    expect(replayPercent({ status: 'completed', progress: null })).toBe(100);
  });

  it('offers what the API accepts in each status', () => {
    expect(replayControls({ status: 'running', requested: null })).toEqual(['pause', 'abort']);
    expect(replayControls({ status: 'running', requested: 'pause' })).toEqual(['abort']);
    expect(replayControls({ status: 'running', requested: 'abort' })).toEqual([]);
    expect(replayControls({ status: 'paused', requested: null })).toEqual(['resume', 'abort']);
    expect(replayControls({ status: 'completed', requested: null })).toEqual([]);
  });

  it('summarises skips and non-matches', () => {
    expect(skipSummary({ counts: { scanned: 3, matched: 2, started: 1, unreadable: 0, skipped: { already_executed: 1 }, notMatched: { filter: 1 } } })).toBe(
      'already executed 1 · filter 1',
    );
  });
});
