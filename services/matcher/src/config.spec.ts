import { TOPICS } from '@fixlify/contracts';
import { matcherConfig } from './config';

describe('matcher settings', () => {
  it('reads the automation topics by default, and topics of their own when a benchmark names them', () => {
    expect(matcherConfig({})).toMatchObject({
      MATCHER_WORKFLOWS_TOPIC: TOPICS.workflows,
      MATCHER_EVENTS_TOPIC: TOPICS.events,
      MATCHER_COMMANDS_TOPIC: TOPICS.commands,
    });
    expect(matcherConfig({ MATCHER_WORKFLOWS_TOPIC: 'bench.matcher-scale.workflows' }).MATCHER_WORKFLOWS_TOPIC).toBe('bench.matcher-scale.workflows');
    expect(() => matcherConfig({ MATCHER_WORKFLOWS_TOPIC: '' })).toThrow(/MATCHER_WORKFLOWS_TOPIC/);
  });
});
