import { WorkflowDefinition, type WorkflowDefinitionInput } from '@fixlify/contracts';
import { graphIssues } from './graph-rules';

type Nodes = WorkflowDefinitionInput['nodes'];
type Branch = 'next' | 'true' | 'false' | 'body' | 'done';

const trigger = { id: 't', type: 'trigger', trigger: { type: 'job_created' } } as const;
const sms = (id: string, body = 'hi') => ({ id, type: 'send_sms', config: { body } }) as const;
const cond = (id: string) => ({ id, type: 'condition', config: { when: { field: 'after.status', op: 'eq', value: 'done' } } }) as const;
const loop = (id: string, maxIterations = 100, as = 'item') => ({ id, type: 'loop', config: { over: 'job.items', as, maxIterations } }) as const;
const e = (source: string, target: string, branch: Branch = 'next', id = `${source}-${branch}-${target}`) => ({ id, source, target, branch });

const check = (nodes: Nodes, edges: ReturnType<typeof e>[]) => graphIssues(WorkflowDefinition.parse({ nodes, edges }));
const codes = (nodes: Nodes, edges: ReturnType<typeof e>[]) => check(nodes, edges).map((i) => `${i.code}@${i.nodeId ?? i.path}`);

describe('graphIssues: valid graphs', () => {
  it('accepts a lone trigger, a chain, branches and a loop', () => {
    expect(check([trigger], [])).toEqual([]);
    expect(check([trigger, sms('a'), sms('b')], [e('t', 'a'), e('a', 'b')])).toEqual([]);
    expect(
      check([trigger, cond('c'), sms('y'), sms('n'), sms('join')], [e('t', 'c'), e('c', 'y', 'true'), e('c', 'n', 'false'), e('y', 'join'), e('n', 'join')]),
    ).toEqual([]);
    expect(
      check([trigger, loop('L'), sms('b1'), sms('b2'), sms('after')], [e('t', 'L'), e('L', 'b1', 'body'), e('b1', 'b2'), e('L', 'after', 'done')]),
    ).toEqual([]);
  });

  it('accepts nested loops and a condition inside a body', () => {
    const nodes: Nodes = [trigger, loop('O', 10, 'row'), loop('I', 10, 'cell'), cond('c'), sms('x'), sms('y')];
    expect(
      check(nodes, [e('t', 'O'), e('O', 'I', 'body'), e('I', 'c', 'body'), e('c', 'x', 'true'), e('c', 'y', 'false'), e('I', 'y', 'done', 'I-done')]).map(
        (i) => i.code,
      ),
    ).toEqual(['loop_body_shared']);
    expect(
      check(
        nodes.filter((n) => n.id !== 'y'),
        [e('t', 'O'), e('O', 'I', 'body'), e('I', 'c', 'body'), e('c', 'x', 'true'), e('c', 'x', 'false')],
      ),
    ).toEqual([]);
  });
});

describe('graphIssues: ids and connections', () => {
  it('finds duplicate ids', () => {
    expect(codes([trigger, sms('a'), sms('a')], [e('t', 'a', 'next', 'x'), e('t', 'a', 'next', 'x')])).toEqual(
      expect.arrayContaining(['duplicate_node_id@a', 'duplicate_edge_id@edges.1.id']),
    );
  });

  it('finds connections to missing steps, to themselves and into the trigger', () => {
    const issues = check([trigger, sms('a')], [e('t', 'a'), e('a', 'ghost'), e('ghost2', 'a'), e('a', 'a', 'next', 'self'), e('a', 't', 'next', 'back')]);
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          nodeId: null,
          path: 'edges.1.target',
          edgeId: 'a-next-ghost',
          code: 'edge_unknown_target',
          message: 'A connection leads to step "ghost", which does not exist',
        },
        expect.objectContaining({ code: 'edge_unknown_source', path: 'edges.2.source' }),
        expect.objectContaining({ code: 'edge_self_loop', nodeId: 'a', edgeId: 'self' }),
        expect.objectContaining({ code: 'edge_into_trigger', nodeId: 'a', edgeId: 'back' }),
      ]),
    );
  });
});

describe('graphIssues: triggers and paths', () => {
  it('needs exactly one trigger', () => {
    expect(codes([sms('a')], [])).toEqual(['trigger_missing@nodes']);
    expect(codes([trigger, { ...trigger, id: 't2' }], [])).toEqual(['trigger_multiple@t2']);
  });

  it('the trigger leads to exactly one first step', () => {
    expect(codes([trigger, sms('a')], [])).toEqual(['trigger_not_connected@t', 'node_unreachable@a']);
    expect(codes([trigger, sms('a'), sms('b')], [e('t', 'a'), e('t', 'b')])).toEqual(['too_many_paths@t']);
    expect(check([trigger, sms('a')], [e('t', 'a', 'true')]).map((i) => i.message)).toContain(
      'A trigger step cannot have a "true" (condition matched) path; only conditions branch',
    );
  });

  it('a condition has one true and one false path, and no next', () => {
    expect(codes([trigger, cond('c'), sms('y')], [e('t', 'c'), e('c', 'y', 'true')])).toEqual(['path_missing@c']);
    expect(check([trigger, cond('c'), sms('y')], [e('t', 'c'), e('c', 'y', 'true')])[0]!.message).toBe(
      'Connect the "false" (condition not matched) path of this condition',
    );
    expect(codes([trigger, cond('c'), sms('y'), sms('n'), sms('z')], [e('t', 'c'), e('c', 'y', 'true'), e('c', 'n', 'false'), e('c', 'z', 'true')])).toEqual([
      'too_many_paths@c',
    ]);
    expect(check([trigger, cond('c'), sms('y'), sms('n'), sms('z')], [e('t', 'c'), e('c', 'y', 'true'), e('c', 'n', 'false'), e('c', 'z')])[0]).toMatchObject({
      code: 'branch_not_allowed',
      edgeId: 'c-next-z',
      message: 'A condition continues through its "true" and "false" paths, not "next"',
    });
  });

  it('a loop has one body and at most one done, and no next', () => {
    expect(codes([trigger, loop('L'), sms('a')], [e('t', 'L'), e('L', 'a', 'done')])).toEqual(['path_missing@L']);
    expect(codes([trigger, loop('L'), sms('a'), sms('b')], [e('t', 'L'), e('L', 'a', 'body'), e('L', 'b', 'body')])).toEqual(['too_many_paths@L']);
    expect(codes([trigger, loop('L'), sms('a'), sms('b'), sms('c')], [e('t', 'L'), e('L', 'a', 'body'), e('L', 'b', 'done'), e('L', 'c', 'done')])).toEqual([
      'too_many_paths@L',
    ]);
    expect(codes([trigger, loop('L'), sms('a'), sms('b')], [e('t', 'L'), e('L', 'a', 'body'), e('L', 'b')])).toEqual(['branch_not_allowed@L']);
  });

  it('an action has at most one next and no branch paths', () => {
    expect(codes([trigger, sms('a'), sms('b'), sms('c')], [e('t', 'a'), e('a', 'b'), e('a', 'c')])).toEqual(['too_many_paths@a']);
    expect(codes([trigger, sms('a'), sms('b')], [e('t', 'a'), e('a', 'b', 'body')])).toEqual(['branch_not_allowed@a']);
  });

  it('every step must be reachable from the trigger', () => {
    expect(check([trigger, sms('a'), sms('island')], [e('t', 'a')])).toEqual([
      { nodeId: 'island', path: '', code: 'node_unreachable', message: 'This step is not connected to the trigger, so it would never run' },
    ]);
  });
});

describe('graphIssues: cycles and loop bodies', () => {
  it('rejects cycles outside loop bodies', () => {
    const issues = check([trigger, sms('a'), sms('b', 'x'), { ...sms('c'), label: 'Remind' }], [e('t', 'a'), e('a', 'b'), e('b', 'c'), e('c', 'a')]);
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'cycle',
        nodeId: 'c',
        edgeId: 'c-next-a',
        message: expect.stringMatching(/^The connection from "Remind" back to Send SMS step "a" makes the workflow go round in circles/),
      }),
    ]);
  });

  it('rejects a body that leads back to its loop', () => {
    expect(codes([trigger, loop('L'), sms('a')], [e('t', 'L'), e('L', 'a', 'body'), e('a', 'L')])).toEqual(['loop_body_returns@L']);
  });

  it('rejects a body that escapes to steps outside the loop', () => {
    const issues = check([trigger, loop('L'), sms('a'), sms('after')], [e('t', 'L'), e('L', 'a', 'body'), e('a', 'after'), e('L', 'after', 'done')]);
    expect(issues).toEqual([expect.objectContaining({ code: 'loop_body_shared', nodeId: 'after', edgeId: 'L-done-after' })]);
    expect(issues[0]!.message).toMatch(/is inside loop Loop step "L" and also reached from outside it/);
    const fromBefore = codes([trigger, cond('c'), loop('L'), sms('x')], [e('t', 'c'), e('c', 'L', 'true'), e('c', 'x', 'false'), e('L', 'x', 'body')]);
    expect(fromBefore).toEqual(['loop_body_shared@x']);
  });
});

describe('graphIssues: limits and settings', () => {
  it('limits condition depth', () => {
    let when: unknown = { field: 'a', op: 'is_empty' };
    for (let i = 0; i < 8; i++) when = { not: when };
    const nodes: Nodes = [trigger, { id: 'c', type: 'condition', config: { when } }, sms('y'), sms('n')];
    expect(check(nodes, [e('t', 'c'), e('c', 'y', 'true'), e('c', 'n', 'false')])).toEqual([
      { nodeId: 'c', path: 'config.when', code: 'condition_too_deep', message: 'This condition nests groups 9 levels deep; at most 8 levels are allowed' },
    ]);
    const deepTrigger = { id: 't', type: 'trigger', trigger: { type: 'job_created', filter: when } } as Nodes[number];
    expect(codes([deepTrigger], [])).toEqual(['condition_too_deep@t']);
  });

  it('checks recurring schedules', () => {
    const rec = (cron: string, timezone: string) => ({ id: 't', type: 'trigger', trigger: { type: 'recurring', config: { cron, timezone } } }) as Nodes[number];
    expect(check([rec('0 9 * * 1-5', 'America/New_York')], [])).toEqual([]);
    expect(check([rec('0 9 * * 1-5', 'America/Springfield')], [])).toEqual([
      expect.objectContaining({ code: 'schedule_invalid', path: 'trigger.config.timezone' }),
    ]);
    expect(check([rec('0 0 9 * * 1', 'UTC')], [])).toEqual([expect.objectContaining({ code: 'schedule_invalid', path: 'trigger.config.cron' })]);
  });

  it('checks templates in action settings', () => {
    const issues = check(
      [trigger, sms('a', 'Hi {{ client.name | shout }}'), { id: 'h', type: 'webhook', config: { url: 'https://x', headers: { 'X-A': '{% if %}' } } }],
      [e('t', 'a'), e('a', 'h')],
    );
    expect(issues.map((i) => `${i.nodeId}:${i.path}:${i.code}`)).toEqual(['a:config.body:template_invalid', 'h:config.headers.X-A:template_invalid']);
    expect(issues[0]!.message).toMatch(/^This text has a template error: .*shout/);
  });

  it('rejects reserved variable names', () => {
    expect(codes([trigger, loop('L', 10, 'loop'), sms('a')], [e('t', 'L'), e('L', 'a', 'body')])).toEqual(['reserved_name@L']);
    const api = { id: 'api', type: 'api_call', config: { url: 'https://x', saveAs: '__proto__' } } as Nodes[number];
    expect(codes([trigger, api], [e('t', 'api')])).toEqual(['reserved_name@api']);
  });

  it('rejects a graph whose loops could exceed the step budget', () => {
    const body = [sms('a'), sms('b')];
    const ok = check([trigger, loop('L', 499), ...body], [e('t', 'L'), e('L', 'a', 'body'), e('a', 'b')]);
    expect(ok).toEqual([]);
    const tooMany = check([trigger, loop('L', 500), ...body], [e('t', 'L'), e('L', 'a', 'body'), e('a', 'b')]);
    expect(tooMany).toEqual([expect.objectContaining({ nodeId: 'L', path: 'config.maxIterations', code: 'step_budget_exceeded' })]);
    expect(tooMany[0]!.message).toMatch(/up to 1001 steps/);
    const nested = check([trigger, loop('O', 40), loop('I', 40), sms('x')], [e('t', 'O'), e('O', 'I', 'body'), e('I', 'x', 'body')]);
    expect(nested).toEqual([expect.objectContaining({ nodeId: 'O', code: 'step_budget_exceeded' })]);
  });
});
