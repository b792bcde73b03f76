import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { ChannelProvider } from '@fixlify/contracts';
import { api, ApiFailure, rotateWebhookSecret, type ChannelAccount, type ChannelAccounts, type Me } from '../api';
import { Empty, ErrorBox, PageHeader, Spinner, formatTime, toast, toastError, useAsync } from '../components/ui';
import {
  CHANNELS,
  cardActions,
  describeSettings,
  initialValues,
  issuesByField,
  previousSecretNotice,
  toRequestBody,
  type ChannelField,
  type FieldValue,
} from '../forms/channel-form';

const FieldInput = ({
  id,
  field,
  value,
  errors,
  onChange,
  secretHint,
}: {
  id: string;
  field: ChannelField;
  value: FieldValue | undefined;
  errors?: string[];
  onChange: (v: FieldValue) => void;
  secretHint?: string;
}) => {
  const hint = field.kind === 'secret' && secretHint ? `${field.hint ?? ''} The saved one ends ${secretHint}; enter it again to save.`.trim() : field.hint;
  const describedBy = [hint && `${id}-hint`, errors && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const notes = (
    <>
      {hint && (
        <p id={`${id}-hint`} className="muted small field-hint">
          {hint}
        </p>
      )}
      {errors && (
        <p id={`${id}-error`} className="field-error">
          {errors.join('; ')}
        </p>
      )}
    </>
  );
  if (field.kind === 'checkbox')
    return (
      <div className="field field-check">
        <label htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            aria-invalid={errors ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.target.checked)}
          />{' '}
          {field.label}
        </label>
        {notes}
      </div>
    );
  return (
    <div className="field">
      <label htmlFor={id}>
        {field.label}
        {field.optional ? (
          <span className="muted"> (optional)</span>
        ) : (
          <span className="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      <input
        id={id}
        type={field.kind === 'secret' ? 'password' : field.kind === 'number' ? 'number' : 'text'}
        value={typeof value === 'string' ? value : ''}
        required={!field.optional && field.defaultValue === undefined}
        minLength={field.minLength}
        min={field.min}
        max={field.max}
        placeholder={field.placeholder ?? (typeof field.defaultValue === 'string' ? field.defaultValue : undefined)}
        autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
        aria-invalid={errors ? true : undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
      {notes}
    </div>
  );
};

const ChannelForm = ({
  provider,
  item,
  onSaved,
  onCancel,
}: {
  provider: ChannelProvider;
  item?: ChannelAccount;
  onSaved: (a: ChannelAccount) => void;
  onCancel: () => void;
}) => {
  const spec = CHANNELS[provider];
  const uid = useId();
  const [values, setValues] = useState(() => initialValues(provider, item?.settings));
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const issues = error instanceof ApiFailure ? issuesByField(error.details) : { byField: {} as Record<string, string[]>, other: [] };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api.put<ChannelAccount>(`/api/channels/${provider}`, toRequestBody(provider, values));
      toast('ok', `${spec.title} account saved`);
      onSaved(saved);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="channel-form" aria-label={`${spec.title} account`} onSubmit={(e) => void submit(e)}>
      {spec.fields.map((f) => (
        <FieldInput
          key={f.name}
          id={`${uid}-${f.name}`}
          field={f}
          value={values[f.name]}
          errors={issues.byField[f.name]}
          secretHint={item?.secretHint}
          onChange={(v) => setValues((xs) => ({ ...xs, [f.name]: v }))}
        />
      ))}
      {error && (
        <div className="error-box" role="alert">
          <strong>Not saved.</strong> {error.message}
          {issues.other.length > 0 && (
            <ul>
              {issues.other.map((m) => (
                <li key={m}>{m}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="row-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
};

type Rotation = Awaited<ReturnType<typeof rotateWebhookSecret>>;

/**
 * Rotation of the webhook signing secret: a confirmation, then the new secret, shown this once
 * (closing the dialog forgets it), with until when receivers may still verify with the old one.
 */
const RotateSecretDialog = ({ hadSecret, onRotated, onClose }: { hadSecret: boolean; onRotated: (r: Rotation) => void; onClose: () => void }) => {
  const uid = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const secretInput = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<(Rotation & { notice: string }) | null>(null);
  const [copied, setCopied] = useState<'yes' | 'refused' | null>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await rotateWebhookSecret();
      // whether a secret was replaced is decided now: onRotated makes the card hold the new one
      setResult({ ...r, notice: previousSecretNotice(r.previousValidUntil, hadSecret) });
      onRotated(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const copy = async (secret: string) => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // no clipboard (an insecure origin, a refused permission): leave it selected to copy by hand
      secretInput.current?.select();
      setCopied('refused');
    }
  };
  const close = () => dialog.current?.close();
  return (
    // Escape while the rotation is on its way would lose the one answer that shows the new secret
    <dialog ref={dialog} className="dialog" aria-labelledby={`${uid}-title`} onCancel={(e) => busy && e.preventDefault()} onClose={onClose}>
      {result ? (
        <>
          <h2 id={`${uid}-title`}>New webhook signing secret</h2>
          <p>It is shown this once only: give it to the receivers of your webhooks now.</p>
          <div className="field">
            <label htmlFor={`${uid}-secret`}>Signing secret</label>
            <div className="secret-once">
              <input id={`${uid}-secret`} ref={secretInput} type="text" className="mono" readOnly value={result.secret} onFocus={(e) => e.target.select()} />
              <button type="button" className="btn btn-small" onClick={() => void copy(result.secret)}>
                {copied === 'yes' ? 'Copied' : 'Copy'}
              </button>
            </div>
            {/* said here, not in a toast: a modal dialog hides the page's toasts */}
            {copied === 'refused' && <p className="field-error">The browser did not allow copying: the secret is selected, copy it with Ctrl+C.</p>}
          </div>
          <p role="status">{result.notice}</p>
          <div className="dialog-actions">
            <button type="button" className="btn btn-primary" onClick={close}>
              Done
            </button>
          </div>
        </>
      ) : (
        <>
          <h2 id={`${uid}-title`}>Rotate the webhook signing secret?</h2>
          <p>
            A new secret signs every webhook from now on; it is shown once, right after.
            {hadSecret && ' For the grace period the deployment sets, webhooks also carry a signature with the current one, so receivers can switch over.'}
          </p>
          {error !== null && <ErrorBox error={error} />}
          <div className="dialog-actions">
            <button type="button" className="btn" autoFocus disabled={busy} onClick={close}>
              Cancel
            </button>
            <button type="button" className="btn btn-danger" disabled={busy} onClick={() => void rotate()}>
              {busy ? 'Rotating…' : 'Rotate'}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
};

const ChannelCard = ({
  provider,
  item,
  role,
  onChange,
}: {
  provider: ChannelProvider;
  item?: ChannelAccount;
  role: Me['role'];
  onChange: (provider: ChannelProvider, a: ChannelAccount | null) => void;
}) => {
  const spec = CHANNELS[provider];
  const actions = cardActions(provider, !!item, role);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    try {
      await api.del(`/api/channels/${provider}`);
      toast('ok', `${spec.title}: back to the deployment's account`);
      onChange(provider, null);
    } catch (e) {
      toastError(e);
      if (e instanceof ApiFailure && e.status === 404) onChange(provider, null);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  return (
    <section className="card channel" aria-labelledby={`channel-${provider}`} data-provider={provider}>
      <div className="card-head">
        <h2 id={`channel-${provider}`}>
          {spec.title} <span className="muted small">{spec.channel}</span>
        </h2>
        <span className={item ? 'tag' : 'tag tag-light'}>{item ? 'own account' : (spec.withoutOwn?.tag ?? "deployment's account")}</span>
      </div>
      {item ? (
        <dl className="settings-list">
          {describeSettings(provider, item.settings).map((s) => (
            <div key={s.label}>
              <dt>{s.label}</dt>
              <dd>{s.value}</dd>
            </div>
          ))}
          <div>
            <dt>{spec.fields.find((f) => f.name === 'secret')?.label ?? 'Secret'}</dt>
            <dd className="mono">{item.secretHint}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>{formatTime(item.updatedAt)}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted">{spec.withoutOwn?.text ?? "Sends through the deployment's account (set in its environment)."}</p>
      )}
      {editing ? (
        <ChannelForm
          provider={provider}
          item={item}
          onCancel={() => setEditing(false)}
          onSaved={(a) => {
            setEditing(false);
            onChange(provider, a);
          }}
        />
      ) : confirming ? (
        <div className="confirm" role="group" aria-label={`Remove the ${spec.title} account`}>
          <p>Remove the organization's {spec.title} account? Sends fall back to the deployment's account.</p>
          <div className="row-actions">
            <button type="button" className="btn btn-danger btn-small" disabled={busy} onClick={() => void remove()}>
              {busy ? 'Removing…' : 'Yes, remove'}
            </button>
            <button type="button" className="btn btn-small" autoFocus onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      ) : (
        <div className="row-actions">
          <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
            {item ? 'Edit' : 'Use own account'}
          </button>
          {actions.remove && (
            <button type="button" className="btn btn-danger btn-small" onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
          {actions.rotate && (
            <button type="button" className="btn btn-small" onClick={() => setRotating(true)}>
              Rotate signing secret
            </button>
          )}
        </div>
      )}
      {rotating && (
        <RotateSecretDialog
          hadSecret={!!item}
          onClose={() => setRotating(false)}
          onRotated={(r) => onChange(provider, { provider, settings: {}, secretHint: r.secretHint, updatedAt: r.updatedAt })}
        />
      )}
    </section>
  );
};

/** Settings → Channels: the organization's own provider accounts (owners only; the API answers 403 to others). */
export const Channels = ({ role }: { role: Me['role'] }) => {
  const list = useAsync(() => api.get<ChannelAccounts>('/api/channels'), []);
  const onChange = (provider: ChannelProvider, a: ChannelAccount | null) =>
    list.setData((d) => d && { ...d, items: [...d.items.filter((x) => x.provider !== provider), ...(a ? [a] : [])] });
  return (
    <div className="page">
      <PageHeader
        title="Channels"
        subtitle="Settings · The organization's own provider accounts. A channel without one sends through the deployment's account. Only owners can see and change them."
      />
      {list.error instanceof ApiFailure && list.error.status === 403 ? (
        <div className="notice" role="alert">
          <strong>Owners only.</strong> Your role is {role}; ask an owner of the organization to set its provider accounts.{' '}
          <span className="muted small">(The server answered: {list.error.message}.)</span>
        </div>
      ) : list.error ? (
        <ErrorBox error={list.error} onRetry={list.reload} />
      ) : !list.data ? (
        <Spinner />
      ) : (
        <>
          {list.data.items.length === 0 && (
            <Empty title="No own provider accounts yet">
              Every channel sends through the deployment's account. Set one below to send from the organization's own.
            </Empty>
          )}
          <div className="channels">
            {list.data.providers
              .filter((p) => p in CHANNELS)
              .map((p) => (
                <ChannelCard key={p} provider={p} item={list.data?.items.find((x) => x.provider === p)} role={role} onChange={onChange} />
              ))}
          </div>
        </>
      )}
    </div>
  );
};
