import { useId, useRef, useState, type ReactNode } from 'react';
import type { JsonSchema } from '../api';

export interface FieldContext {
  /** problems of this step keyed by path (`config.body`) */
  errors: Map<string, string>;
  /** context variables offered for template fields */
  variables: string[];
}

/** Text of a scalar for an input; objects as JSON (never "[object Object]"). */
const text = (v: unknown): string => {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'boolean':
      return `${v}`;
    case 'undefined':
      return '';
    default:
      return v === null ? '' : (JSON.stringify(v) ?? '');
  }
};

const MULTILINE = new Set(['text', 'html', 'body', 'payload', 'description']);
const isTemplateField = (key: string, s: JsonSchema): boolean =>
  s.type === 'string' && !s.enum && s.const === undefined && !['saveAs', 'as', 'over', 'name', 'type'].includes(key);

const humanize = (key: string): string =>
  ({
    to: 'To',
    url: 'URL',
    id: 'Record ID',
    jobId: 'Job ID',
    userRef: 'Recipient reference',
    saveAs: 'Save response as',
    timeoutMs: 'Timeout (ms)',
    dueInHours: 'Due in (hours)',
    assigneeTechnicianId: 'Technician ID',
    technicianId: 'Technician ID',
    offsetSeconds: 'Offset (seconds)',
    maxIterations: 'At most (iterations)',
    over: 'List to loop over',
    as: 'Name of the current item',
    seconds: 'Wait (seconds)',
    at: 'Until (time template)',
  })[key] ?? key.replace(/([A-Z])/g, ' $1').replace(/^./, (c) => c.toUpperCase());

/** Inserts `{{ variable }}` at the cursor of the field it belongs to. */
const VariablePicker = ({ variables, label, onPick }: { variables: string[]; label: string; onPick: (v: string) => void }) =>
  variables.length === 0 ? null : (
    <select
      className="var-picker"
      aria-label={`Insert a variable into ${label}`}
      value=""
      onChange={(e) => {
        if (e.target.value) onPick(e.target.value);
      }}
    >
      <option value="">{'{ } Insert variable'}</option>
      {variables.map((v) => (
        <option key={v} value={v}>
          {v}
        </option>
      ))}
    </select>
  );

const TemplateInput = ({
  id,
  label,
  value,
  multiline,
  variables,
  invalid,
  onChange,
}: {
  id: string;
  label: string;
  value: string;
  multiline: boolean;
  variables: string[];
  invalid: boolean;
  onChange: (v: string) => void;
}) => {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const insert = (name: string) => {
    const el = ref.current;
    const token = `{{ ${name} }}`;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + token + value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  };
  const common = { id, ref, value, 'aria-invalid': invalid || undefined, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return (
    <div className="template-input">
      {multiline ? <textarea rows={4} {...common} /> : <input type="text" {...common} />}
      <VariablePicker variables={variables} label={label} onPick={insert} />
    </div>
  );
};

const RecordEditor = ({
  label,
  value,
  onChange,
  ctx,
}: {
  label: string;
  value: Record<string, string>;
  onChange: (v: Record<string, string>) => void;
  ctx: FieldContext;
}) => {
  const entries = Object.entries(value);
  const [newKey, setNewKey] = useState('');
  return (
    <div className="record-editor">
      {entries.map(([k, v]) => (
        <div className="record-row" key={k}>
          <code>{k}</code>
          <TemplateInput
            id={`${label}-${k}`}
            label={`${label} ${k}`}
            value={v}
            multiline={false}
            variables={ctx.variables}
            invalid={false}
            onChange={(nv) => onChange({ ...value, [k]: nv })}
          />
          <button
            type="button"
            className="btn btn-small btn-ghost"
            aria-label={`Remove ${k}`}
            onClick={() => {
              const { [k]: _gone, ...rest } = value;
              onChange(rest);
            }}
          >
            ✕
          </button>
        </div>
      ))}
      <div className="record-row">
        <input type="text" placeholder="name" aria-label={`New ${label} name`} value={newKey} onChange={(e) => setNewKey(e.target.value)} />
        <button
          type="button"
          className="btn btn-small"
          disabled={!newKey || newKey in value}
          onClick={() => {
            onChange({ ...value, [newKey]: '' });
            setNewKey('');
          }}
        >
          Add
        </button>
      </div>
    </div>
  );
};

/** A variant of a oneOf chosen by its `const` discriminator (delay mode, api_call auth type). */
const discriminatorOf = (variants: JsonSchema[]): string | null => {
  const first = variants[0]?.properties;
  if (!first) return null;
  return Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined)) ?? null;
};

export const Field = ({
  name,
  schema,
  value,
  required,
  path,
  ctx,
  onChange,
  children,
}: {
  name: string;
  schema: JsonSchema;
  value: unknown;
  required: boolean;
  path: string;
  ctx: FieldContext;
  onChange: (v: unknown) => void;
  children?: ReactNode;
}) => {
  const id = useId();
  const label = humanize(name);
  const error = ctx.errors.get(path);
  const invalid = !!error;
  let control: ReactNode;
  const variants = schema.oneOf ?? schema.anyOf;
  if (schema.enum) {
    control = (
      <select id={id} value={text(value)} aria-invalid={invalid || undefined} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
        {!required && <option value="">(none)</option>}
        {required && value === undefined && <option value="">Choose…</option>}
        {schema.enum.map((v) => (
          <option key={String(v)} value={String(v)}>
            {String(v)}
          </option>
        ))}
      </select>
    );
  } else if (schema.type === 'integer' || schema.type === 'number') {
    control = (
      <input
        id={id}
        type="number"
        step={schema.type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={typeof value === 'number' ? value : ''}
        placeholder={schema.default !== undefined ? text(schema.default) : undefined}
        aria-invalid={invalid || undefined}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    );
  } else if (schema.type === 'boolean') {
    control = <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (schema.type === 'string') {
    control = isTemplateField(name, schema) ? (
      <TemplateInput
        id={id}
        label={label}
        value={typeof value === 'string' ? value : ''}
        multiline={MULTILINE.has(name)}
        variables={ctx.variables}
        invalid={invalid}
        onChange={(v) => onChange(v === '' && !required ? undefined : v)}
      />
    ) : (
      <input
        id={id}
        type="text"
        value={typeof value === 'string' ? value : ''}
        placeholder={schema.default !== undefined ? text(schema.default) : undefined}
        aria-invalid={invalid || undefined}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      />
    );
  } else if (schema.type === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
    control = (
      <RecordEditor
        label={label}
        value={(value as Record<string, string> | undefined) ?? {}}
        onChange={(v) => onChange(Object.keys(v).length ? v : required ? {} : undefined)}
        ctx={ctx}
      />
    );
  } else if (variants && discriminatorOf(variants)) {
    const key = discriminatorOf(variants)!;
    const current = (value as Record<string, unknown> | undefined)?.[key];
    const chosen = variants.find((v) => v.properties?.[key]?.const === current);
    control = (
      <fieldset className="variant">
        <select id={id} value={text(current)} onChange={(e) => onChange(e.target.value === '' ? undefined : { [key]: e.target.value })}>
          {!required && <option value="">(none)</option>}
          {variants.map((v) => (
            <option key={text(v.properties?.[key]?.const)} value={text(v.properties?.[key]?.const)}>
              {text(v.properties?.[key]?.const)}
            </option>
          ))}
        </select>
        {chosen && <ObjectFields schema={chosen} value={value as Record<string, unknown>} path={path} ctx={ctx} onChange={onChange} skip={[key]} />}
      </fieldset>
    );
  } else if (schema.type === 'object' && schema.properties) {
    control = <ObjectFields schema={schema} value={(value as Record<string, unknown> | undefined) ?? {}} path={path} ctx={ctx} onChange={onChange} />;
  } else {
    control = children ?? <JsonField id={id} value={value} onChange={onChange} />;
  }
  return (
    <div className={`field${invalid ? ' field-invalid' : ''}`} data-path={path}>
      <label htmlFor={id}>
        {label}
        {required && (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {control}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
};

export const JsonField = ({ id, value, onChange }: { id: string; value: unknown; onChange: (v: unknown) => void }) => {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value, null, 2)));
  const [bad, setBad] = useState(false);
  return (
    <>
      <textarea
        id={id}
        rows={5}
        className="mono"
        value={text}
        aria-invalid={bad || undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          try {
            onChange(text.trim() ? JSON.parse(text) : undefined);
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <p className="field-error">This is not valid JSON.</p>}
    </>
  );
};

/** The fields of an object schema, in schema order; `skip` hides discriminators handled by the caller. */
export const ObjectFields = ({
  schema,
  value,
  path,
  ctx,
  onChange,
  skip = [],
  render,
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  path: string;
  ctx: FieldContext;
  onChange: (v: Record<string, unknown>) => void;
  skip?: string[];
  render?: (key: string, s: JsonSchema) => ReactNode | undefined;
}) => (
  <div className="object-fields">
    {Object.entries(schema.properties ?? {})
      .filter(([k]) => !skip.includes(k))
      .map(([k, s]) => {
        const custom = render?.(k, s);
        if (custom !== undefined) return <div key={k}>{custom}</div>;
        return (
          <Field
            key={k}
            name={k}
            schema={s}
            value={value?.[k]}
            required={schema.required?.includes(k) ?? false}
            path={`${path}.${k}`}
            ctx={ctx}
            onChange={(v) => {
              const next = { ...value };
              if (v === undefined) delete next[k];
              else next[k] = v;
              onChange(next);
            }}
          />
        );
      })}
  </div>
);
