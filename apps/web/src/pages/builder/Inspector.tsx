import { useEffect, useState } from 'react';
import type { Catalog } from '../../api';
import type { DraftNode, Issue } from '../../diagram/model';
import { ConditionEditor } from '../../forms/condition-editor';
import { Field, ObjectFields, type FieldContext } from '../../forms/schema-form';

/** The settings of the selected step: its id, label, and the form its catalog entry's schema generates. */
export const Inspector = ({
  node,
  catalog,
  issues,
  variables,
  readOnly,
  onChange,
  onRename,
  onDelete,
}: {
  node: DraftNode;
  catalog: Catalog;
  issues: Issue[];
  variables: string[];
  readOnly: boolean;
  onChange: (patch: Partial<DraftNode>) => void;
  onRename: (to: string) => void;
  onDelete: () => void;
}) => {
  const trigger = node.type === 'trigger' ? catalog.triggers.find((t) => t.type === node.trigger?.type) : undefined;
  const entry = node.type === 'trigger' ? trigger : [...catalog.actions, ...catalog.controls].find((a) => a.type === node.type);
  const errors = new Map(issues.filter((i) => i.nodeId === node.id && i.path).map((i) => [i.path, i.message]));
  const stepIssues = issues.filter((i) => i.nodeId === node.id && !i.path);
  const ctx: FieldContext = { errors, variables };
  const [idText, setIdText] = useState(node.id);
  useEffect(() => setIdText(node.id), [node.id]);
  const config = node.config ?? {};
  return (
    <div className="inspector-body">
      <h2>{entry?.label ?? node.type}</h2>
      <fieldset disabled={readOnly} className="plain">
        <div className="field">
          <label htmlFor="step-id">Step ID</label>
          <input
            id="step-id"
            type="text"
            value={idText}
            onChange={(e) => setIdText(e.target.value.replace(/[^A-Za-z0-9_-]/g, ''))}
            onBlur={() => idText !== node.id && onRename(idText)}
          />
        </div>
        <div className="field">
          <label htmlFor="step-label">Label</label>
          <input
            id="step-label"
            type="text"
            value={node.label ?? ''}
            placeholder={entry?.label}
            onChange={(e) => onChange({ label: e.target.value || undefined })}
          />
        </div>
        {stepIssues.map((i, k) => (
          <p key={k} className="field-error" role="alert">
            {i.message}
          </p>
        ))}
        {node.type === 'trigger' ? (
          <>
            <div className="field">
              <label htmlFor="trigger-type">Starts when</label>
              <select
                id="trigger-type"
                value={node.trigger?.type ?? ''}
                onChange={(e) => {
                  const t = catalog.triggers.find((x) => x.type === e.target.value);
                  onChange({ trigger: { type: e.target.value, ...(t?.defaultConfig ? { config: t.defaultConfig } : {}) } });
                }}
              >
                {catalog.triggers.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.group} · {t.label}
                  </option>
                ))}
              </select>
            </div>
            {trigger?.configSchema && (
              <ObjectFields
                schema={trigger.configSchema}
                value={node.trigger?.config ?? {}}
                path="trigger.config"
                ctx={ctx}
                onChange={(v) => onChange({ trigger: { ...node.trigger!, config: v } })}
              />
            )}
            {node.trigger?.filter !== undefined ? (
              <>
                <ConditionEditor
                  label="Only when"
                  value={node.trigger.filter}
                  variables={ctx.variables}
                  error={errors.get('trigger.filter')}
                  onChange={(f) => onChange({ trigger: { ...node.trigger!, filter: f } })}
                />
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => {
                    const { filter: _f, ...rest } = node.trigger!;
                    onChange({ trigger: rest });
                  }}
                >
                  Remove filter
                </button>
              </>
            ) : (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => onChange({ trigger: { ...node.trigger!, filter: { field: 'after.status', op: 'eq', value: '' } } })}
              >
                Add a filter
              </button>
            )}
            {trigger?.variables && (
              <details className="vars">
                <summary>Variables this trigger offers ({trigger.variables.length})</summary>
                <ul>
                  {trigger.variables.map((v) => (
                    <li key={v}>
                      <code>{`{{ ${v} }}`}</code>
                    </li>
                  ))}
                </ul>
              </details>
            )}
          </>
        ) : node.type === 'condition' ? (
          <ConditionEditor
            label="Condition"
            value={config.when}
            variables={ctx.variables}
            error={errors.get('config.when')}
            onChange={(w) => onChange({ config: { ...config, when: w } })}
          />
        ) : entry?.configSchema ? (
          entry.configSchema.properties ? (
            <ObjectFields schema={entry.configSchema} value={config} path="config" ctx={ctx} onChange={(v) => onChange({ config: v })} />
          ) : (
            <Field
              name={node.type}
              schema={entry.configSchema}
              value={config}
              required
              path="config"
              ctx={ctx}
              onChange={(v) => onChange({ config: (v as Record<string, unknown>) ?? {} })}
            />
          )
        ) : null}
        <button type="button" className="btn btn-danger btn-small" onClick={onDelete}>
          Delete step
        </button>
      </fieldset>
    </div>
  );
};

/** The panel when no step is selected: how to build, the workflow's problems, and its inbound webhook secret. */
export const WorkflowOverview = ({
  issues,
  webhookSecret,
  onSelect,
}: {
  issues: Issue[];
  webhookSecret: string | null;
  onSelect: (nodeId: string | null) => void;
}) => {
  const globalIssues = issues.filter((i) => !i.nodeId);
  return (
    <div className="inspector-body">
      <h2>Workflow</h2>
      <p className="muted small">
        Select a step on the canvas to configure it. Connect steps by dragging from a step's bottom handle to another step; condition branches are labelled Yes
        / No, loops Each item / After the loop.
      </p>
      {globalIssues.length > 0 && (
        <ul className="issue-list">
          {globalIssues.map((i, k) => (
            <li key={k} role="alert">
              {i.message}
            </li>
          ))}
        </ul>
      )}
      {issues.length > 0 && (
        <>
          <h3>Problems to fix before publishing</h3>
          <ul className="issue-list">
            {issues
              .filter((i) => i.nodeId)
              .map((i, k) => (
                <li key={k}>
                  <button type="button" className="link" onClick={() => onSelect(i.nodeId)}>
                    {i.nodeId}
                  </button>
                  {i.path ? ` · ${i.path}` : ''}: {i.message}
                </li>
              ))}
          </ul>
        </>
      )}
      {webhookSecret && (
        <p className="small">
          Inbound webhook secret: <code>{webhookSecret}</code>
        </p>
      )}
    </div>
  );
};
