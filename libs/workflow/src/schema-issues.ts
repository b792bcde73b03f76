import type { z } from 'zod';
import type { ValidationIssue } from './validation-issue';

export type ZodIssue = z.core.$ZodIssue;

/** Names a business user recognises, for the last segment of a field path. */
const FIELD_LABELS: Record<string, string> = {
  id: 'Step ID',
  type: 'Type',
  label: 'Label',
  trigger: 'Trigger',
  filter: 'Filter',
  config: 'Settings',
  retry: 'Retry settings',
  nodes: 'The list of steps',
  edges: 'The list of connections',
  source: 'Connection start',
  target: 'Connection end',
  branch: 'Connection path',
  settings: 'Workflow settings',
  reenrollment: 'Re-enrollment',
  schemaVersion: 'Schema version',
  to: 'Recipient',
  subject: 'Subject',
  text: 'Text body',
  html: 'HTML body',
  body: 'Body',
  title: 'Title',
  url: 'URL',
  userRef: 'Recipient',
  payload: 'Payload',
  headers: 'Headers',
  method: 'Method',
  auth: 'Authentication',
  token: 'Token',
  saveAs: 'Save response as',
  timeoutMs: 'Timeout (ms)',
  table: 'Record type',
  set: 'Fields to update',
  dueInHours: 'Due in (hours)',
  assigneeTechnicianId: 'Assignee',
  jobId: 'Job',
  technicianId: 'Technician',
  strategy: 'Assignment strategy',
  when: 'Condition',
  field: 'Field',
  op: 'Comparison',
  value: 'Value',
  from: 'From value',
  all: 'All of',
  any: 'Any of',
  not: 'Not',
  mode: 'Delay type',
  seconds: 'Duration (seconds)',
  at: 'Time',
  offsetSeconds: 'Offset (seconds)',
  over: 'List',
  as: 'Item name',
  maxIterations: 'Maximum iterations',
  cron: 'Schedule',
  timezone: 'Time zone',
  graceMinutes: 'Grace period (minutes)',
  daysOverdue: 'Days overdue',
  days: 'Days',
  maxAttempts: 'Maximum attempts',
  initialDelayMs: 'First retry delay (ms)',
  maxDelayMs: 'Longest retry delay (ms)',
  x: 'Position',
  y: 'Position',
};

const humanize = (key: string): string => {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Inside a condition, `to`/`from`/`value` are the compared values, not e.g. an email recipient. */
const CONDITION_LABELS: Record<string, string> = { to: 'The "to" value', from: 'The "from" value', value: 'The compared value', field: 'The field' };

const labelOf = (path: readonly PropertyKey[]): string => {
  const inCondition = path.includes('when') || path.includes('filter');
  for (let i = path.length - 1; i >= 0; i--) {
    const seg = path[i];
    if (typeof seg !== 'string') continue;
    return (inCondition ? CONDITION_LABELS[seg] : undefined) ?? FIELD_LABELS[seg] ?? humanize(seg);
  }
  return 'The workflow';
};

/** The contract's own messages for the condition language, in the editor's words. */
const CUSTOM_REWRITES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^op (\w+) needs a list value$/, (m) => `The "${m[1]}" comparison needs a list of values`],
  [/^op (\w+) needs a single value$/, (m) => `The "${m[1]}" comparison needs a value to compare with`],
  [/^op (\w+) needs a number or a date string$/, (m) => `The "${m[1]}" comparison needs a number or a date to compare with`],
];

const customMessage = (message: string, label: string): string => {
  if (!message || message === 'Invalid input') return `${label} is not valid`;
  for (const [re, rewrite] of CUSTOM_REWRITES) {
    const m = re.exec(message);
    if (m) return rewrite(m);
  }
  return capitalize(message);
};

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown => {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object' || typeof seg === 'symbol') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
};

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a group of settings',
  record: 'a group of settings',
  null: 'empty',
};

const quoteList = (values: readonly unknown[]): string => values.map((v) => JSON.stringify(v)).join(', ');
const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const plural = (n: number | bigint, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const sizeMessage = (issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>, label: string): string => {
  const small = issue.code === 'too_small';
  const bound = small ? issue.minimum : issue.maximum;
  const edge = small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      return small && bound === 1 ? `${label} cannot be empty` : `${label} must be ${edge} ${plural(bound, 'character')} long`;
    case 'array':
    case 'set':
      return small && bound === 1 ? `${label} needs at least one entry` : `${label} can have ${edge} ${plural(bound, 'entry').replace('entrys', 'entries')}`;
    default:
      return `${label} must be ${edge} ${String(bound)}`;
  }
};

const formatMessage = (issue: Extract<ZodIssue, { code: 'invalid_format' }>, label: string): string => {
  if (issue.format === 'regex') {
    return issue.message.startsWith('Invalid') ? `${label} contains characters that are not allowed` : `${label} is not valid: use ${issue.message}`;
  }
  if (issue.format === 'datetime') return `${label} must be a date and time with a time zone offset, e.g. 2026-03-08T09:00:00-05:00`;
  return `${label} is not a valid ${issue.format}`;
};

/** Penalty of a union branch's issues: shape mismatches (wrong keys, wrong literal) weigh most. */
const branchScore = (issues: readonly ZodIssue[]): number =>
  issues.reduce((sum, i) => sum + (i.code === 'unrecognized_keys' || i.code === 'invalid_value' || i.code === 'invalid_union' ? 10 : 1), 0);

const messageOf = (issue: ZodIssue, input: unknown): string => {
  const label = labelOf(issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.path.length === 0) return 'The workflow definition must be an object with steps and connections';
      if (value === undefined) return `${label} is required`;
      return `${label} must be ${EXPECTED[issue.expected] ?? issue.expected}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue, label);
    case 'invalid_value':
      return issue.values.length === 1 ? `${label} must be ${JSON.stringify(issue.values[0])}` : `${label} must be one of ${quoteList(issue.values)}`;
    case 'unrecognized_keys': {
      // a step or connection itself (nodes.3) rather than "the list of steps"
      const whole =
        issue.path.length === 2 && typeof issue.path[1] === 'number'
          ? issue.path[0] === 'nodes'
            ? 'This step'
            : issue.path[0] === 'edges'
              ? 'This connection'
              : label
          : label;
      return `${whole} has unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${quoteList(issue.keys)}`;
    }
    case 'invalid_format':
      return formatMessage(issue, label);
    case 'invalid_union': {
      if (value === undefined) return `${label} is required`;
      if (!issue.discriminator) return `${label} is not valid`;
      const isNodeType = issue.path.length === 3 && issue.path[0] === 'nodes';
      if (isNodeType) return `Unknown step type ${JSON.stringify(value)}`;
      if (issue.path.includes('trigger') && issue.discriminator === 'type') return `Unknown trigger type ${JSON.stringify(value)}`;
      const options = 'options' in issue ? issue.options : undefined;
      return options?.length ? `${label} must be one of ${quoteList(options)}` : `${label} is not valid`;
    }
    case 'not_multiple_of':
      return `${label} must be a multiple of ${issue.divisor}`;
    case 'custom':
      return customMessage(issue.message, label);
    case 'invalid_key':
    case 'invalid_element':
      return `${label} has an invalid entry`;
    default:
      return `${label} is not valid`;
  }
};

const codeOf = (issue: ZodIssue, input: unknown): string =>
  (issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(input, issue.path) === undefined ? 'required' : (issue.code ?? 'invalid');

/** Flattens unions to the issues of the branch the user most likely meant, with absolute paths. */
const flatten = (issues: readonly ZodIssue[], prefix: readonly PropertyKey[]): ZodIssue[] => {
  const out: ZodIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      let best: readonly ZodIssue[] = issue.errors[0] ?? [];
      for (const branch of issue.errors) if (branchScore(branch) < branchScore(best)) best = branch;
      out.push(...flatten(best, path));
    } else {
      out.push({ ...issue, path });
    }
  }
  return out;
};

const locate = (path: readonly PropertyKey[], input: unknown): Pick<ValidationIssue, 'nodeId' | 'path' | 'edgeId'> => {
  const [head, index, ...rest] = path;
  const full = path.map(String).join('.');
  if ((head === 'nodes' || head === 'edges') && typeof index === 'number') {
    const id = valueAt(input, [head, index, 'id']);
    const usable = typeof id === 'string' && id !== '';
    if (head === 'nodes') return usable ? { nodeId: id, path: rest.map(String).join('.') } : { nodeId: null, path: full };
    return usable ? { nodeId: null, path: full, edgeId: id } : { nodeId: null, path: full };
  }
  return { nodeId: null, path: full };
};

/**
 * Turns zod issues of a WorkflowDefinition parse into editor-friendly issues: the node they belong
 * to (`nodes.3.config.url` → node 3's id and `config.url`) and a message in plain words. `pick`
 * keeps (or narrows) the issues to report, after unions were resolved to their likeliest branch.
 */
export const schemaIssues = (issues: readonly ZodIssue[], input: unknown, pick: (issue: ZodIssue) => ZodIssue | null = (i) => i): ValidationIssue[] => {
  const seen = new Set<string>();
  const out: ValidationIssue[] = [];
  for (const flat of flatten(issues, [])) {
    const issue = pick(flat);
    if (issue === null) continue;
    const v: ValidationIssue = { ...locate(issue.path, input), message: messageOf(issue, input), code: codeOf(issue, input) };
    const key = `${v.nodeId}|${v.edgeId}|${v.path}|${v.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
};
