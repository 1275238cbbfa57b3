import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api';
import { Notice } from '../ui';

/**
 * A deletion under way: `run` sends it; a failure that `refused` does not take for its own (a 409 the
 * form explains) is shown as `error`. On success the confirmation goes away with what it deleted.
 */
export function useDeletion() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (send: () => Promise<void>, refused?: (error: unknown) => boolean) => {
    setBusy(true);
    setError(null);
    try {
      await send();
    } catch (e) {
      if (!refused?.(e)) setError(describeError(e));
      setBusy(false);
    }
  };
  /** Sends the DELETE of `path`, then tells `done`; a refusal shows as the confirmation's error. */
  const remove = (token: string, path: string, done: () => void) =>
    run(async () => {
      await api(token, 'DELETE', path);
      done();
    });
  return { busy, error, run, remove };
}

/**
 * A confirmation of a deletion, shown in place: what goes with it (`children`), its error, then delete
 * (`deleteLabel`, disabled while `blocked`) and Cancel, which has the focus; Escape cancels, as it closes
 * a dialog.
 */
export function ConfirmDelete(props: {
  label: string;
  title: ReactNode;
  deleteLabel: string;
  /** What the button says while the deletion is under way; "Deleting…" unless told. */
  busyLabel?: string;
  deletion: { readonly busy: boolean; readonly error: string | null };
  blocked?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}): ReactNode {
  // Focus starts on Cancel, the safe choice, so a second Enter does not delete; a caller that asks for
  // something typed first moves it there in its own effect, which runs after this one.
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!props.blocked) props.onConfirm();
  };
  return (
    <form
      className="confirm-delete"
      aria-label={props.label}
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === 'Escape') props.onCancel();
      }}
      noValidate
    >
      <h4>{props.title}</h4>
      {props.children}
      {props.deletion.error ? <Notice kind="error">{props.deletion.error}</Notice> : null}
      <div className="form-actions">
        <button type="submit" className="danger" disabled={props.blocked || props.deletion.busy}>
          {props.deletion.busy ? (props.busyLabel ?? 'Deleting…') : props.deleteLabel}
        </button>
        <button ref={cancel} type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
