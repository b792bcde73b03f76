import { WorkflowDefinition } from '@fixlify/contracts';
import { schemaIssues } from './schema-issues';

const issuesOf = (input: unknown) => {
  const r = WorkflowDefinition.safeParse(input);
  if (r.success) throw new Error('expected a schema failure');
  return schemaIssues(r.error.issues, input);
};
const trigger = { id: 't', type: 'trigger', trigger: { type: 'job_created' } };

describe('schemaIssues', () => {
  it('maps node paths to the node id and the field inside it', () => {
    const errors = issuesOf({ nodes: [trigger, { id: 'hook', type: 'webhook', config: {} }], edges: [] });
    expect(errors).toEqual([{ nodeId: 'hook', path: 'config.url', code: 'required', message: 'URL is required' }]);
  });

  it('falls back to the full path when the node has no usable id', () => {
    const errors = issuesOf({ nodes: [trigger, { type: 'webhook', config: { url: 'x' } }], edges: [] });
    expect(errors).toEqual([{ nodeId: null, path: 'nodes.1.id', code: 'required', message: 'Step ID is required' }]);
  });

  it('points connection problems at the edge', () => {
    const errors = issuesOf({ nodes: [trigger], edges: [{ id: 'e1', source: 't', branch: 'sideways' }] });
    expect(errors).toContainEqual({ nodeId: null, path: 'edges.0.target', edgeId: 'e1', code: 'required', message: 'Connection end is required' });
    expect(errors).toContainEqual(
      expect.objectContaining({ path: 'edges.0.branch', message: expect.stringMatching(/^Connection path must be one of "next", "true"/) }),
    );
  });

  it('words common problems for a business user', () => {
    const errors = issuesOf({
      nodes: [
        { id: 't', type: 'trigger', trigger: { type: 'nope' } },
        { id: 'a', type: 'teleport' },
        { id: 'b', type: 'send_sms', config: { body: '', extra: 1 } },
        { id: 'c bad', type: 'send_email', config: { subject: 'Hi' } },
        { id: 'd', type: 'delay', config: { mode: 'soon' } },
        { id: 'e', type: 'loop', config: { over: 'job.items', maxIterations: 5000 } },
        { id: 'f', type: 'condition', config: { when: { field: 'after.total', op: 'gt', value: true } } },
        { id: 'g', type: 'condition', config: { when: { all: [] } } },
        { id: 'h', type: 'condition', config: { when: { field: 'status', op: 'changed', to: [1] } } },
        { id: 'i', type: 'trigger', trigger: { type: 'scheduled', config: { at: 'tomorrow' } } },
      ],
      edges: [],
      settings: { reenrollment: 'always' },
    });
    const byNode = (id: string | null) => errors.filter((e) => e.nodeId === id).map((e) => `${e.path}: ${e.message}`);
    expect(byNode('t')).toEqual(['trigger.type: Unknown trigger type "nope"']);
    expect(byNode('a')).toEqual(['type: Unknown step type "teleport"']);
    expect(byNode('b')).toEqual(['config.body: Body cannot be empty', 'config: Settings has unknown field "extra"']);
    expect(byNode('c bad')).toEqual(['id: Step ID is not valid: use letters, digits, _ and -', 'config.text: An email needs a text or html body']);
    expect(byNode('d')).toEqual(['config.mode: Delay type must be one of "duration", "until"']);
    expect(byNode('e')).toEqual(['config.maxIterations: Maximum iterations must be at most 1000']);
    expect(byNode('f')).toEqual(['config.when.value: The "gt" comparison needs a number or a date to compare with']);
    expect(byNode('g')).toEqual(['config.when.all: All of needs at least one entry']);
    expect(byNode('h')[0]).toMatch(/^config\.when\.to: The "to" value/);
    expect(byNode('i')).toEqual(['trigger.config.at: Time must be a date and time with a time zone offset, e.g. 2026-03-08T09:00:00-05:00']);
    expect(byNode(null)).toEqual(['settings.reenrollment: Re-enrollment must be one of "every_time", "once_per_entity"']);
  });

  it('handles the root and empty lists', () => {
    expect(issuesOf(null)).toEqual([
      { nodeId: null, path: '', code: 'invalid_type', message: 'The workflow definition must be an object with steps and connections' },
    ]);
    expect(issuesOf({ nodes: [], edges: [] })).toEqual([
      { nodeId: null, path: 'nodes', code: 'too_small', message: 'The list of steps needs at least one entry' },
    ]);
    expect(issuesOf({ nodes: [trigger] })).toEqual([{ nodeId: null, path: 'edges', code: 'required', message: 'The list of connections is required' }]);
  });

  it('picks the most plausible branch of a union and never repeats an issue', () => {
    const errors = schemaIssues(
      [
        {
          code: 'invalid_union',
          path: ['nodes', 0, 'config', 'when'],
          message: 'Invalid input',
          input: {},
          errors: [
            [{ code: 'unrecognized_keys', keys: ['field'], path: [], message: 'x' }],
            [{ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, path: ['field'], message: 'x' }],
          ],
        },
        { code: 'custom', path: ['settings'], message: 'Invalid input' },
        { code: 'custom', path: ['settings'], message: 'Invalid input' },
      ],
      { nodes: [{ id: 'n' }] },
    );
    expect(errors).toEqual([
      { nodeId: 'n', path: 'config.when.field', code: 'too_small', message: 'The field cannot be empty' },
      { nodeId: null, path: 'settings', code: 'custom', message: 'Workflow settings is not valid' },
    ]);
  });
});
