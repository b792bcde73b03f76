import { matchRoute } from './router';

describe('routes', () => {
  it('maps paths to pages', () => {
    expect(matchRoute('/')).toEqual({ page: 'dashboard' });
    expect(matchRoute('/workflows/abc')).toEqual({ page: 'builder', id: 'abc' });
    expect(matchRoute('/executions/')).toEqual({ page: 'executions', id: null });
    expect(matchRoute('/executions/x1')).toEqual({ page: 'executions', id: 'x1' });
    expect(matchRoute('/templates')).toEqual({ page: 'templates' });
    expect(matchRoute('/dead-letters')).toEqual({ page: 'dead_letters' });
    expect(matchRoute('/settings/channels/')).toEqual({ page: 'channels' });
    expect(matchRoute('/nope')).toEqual({ page: 'not_found' });
  });
});
