import { type ReactNode, type RefObject, useRef, useState } from 'react';
import { ApiError, describeError } from '../api';
import { Field, Notice } from '../ui';

/**
 * What a form that saves through the API keeps between its sends: the API's problems (shown at their
 * fields), a message for the summary, whether a send is under way, and where focus goes on a failure.
 */
export function useApiForm() {
  const [problems, setProblems] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const clear = () => {
    setProblems(null);
    setMessage(null);
  };
  /** Runs `send`; a refusal naming fields is kept for them, any other failure is the summary's. */
  const submit = async (send: () => Promise<void>) => {
    clear();
    setBusy(true);
    try {
      await send();
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        setProblems(error);
        setMessage('Some fields need attention; each is marked below.');
      } else {
        setMessage(describeError(error));
      }
      requestAnimationFrame(() => summaryRef.current?.focus());
    } finally {
      setBusy(false);
    }
  };
  return { problems, setProblems, message, busy, summaryRef, clear, submit };
}

/** The form's message, and the API's problems that no field of the form shows (`placed` says which do). */
export function ProblemSummary(props: {
  form: { problems: ApiError | null; message: string | null; summaryRef: RefObject<HTMLDivElement | null> };
  placed: (path: string) => boolean;
}): ReactNode {
  const { problems, message, summaryRef } = props.form;
  const unplaced = problems?.details.filter((d) => !props.placed(d.path)) ?? [];
  return (
    <div ref={summaryRef} tabIndex={-1}>
      {message ? <Notice kind="error">{message}</Notice> : null}
      {unplaced.map((d) => (
        <Notice key={d.path} kind="error">
          {d.path ? `${d.path}: ` : ''}
          {d.message}
        </Notice>
      ))}
    </div>
  );
}

/** The required comment of a silence or an inhibit rule: why, for whoever reads the list later. */
export function CommentField(props: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  placeholder: string;
}): ReactNode {
  return (
    <Field label="Comment" error={props.error} hint="Why, for whoever reads the list later.">
      {(ids) => (
        <textarea
          id={ids.id}
          rows={2}
          maxLength={1000}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          aria-describedby={ids.describedBy}
          aria-invalid={ids.invalid}
          placeholder={props.placeholder}
        />
      )}
    </Field>
  );
}

/** Submit (`busyLabel` while a send is under way) and Cancel. */
export function FormActions(props: {
  label: string;
  busyLabel: string;
  busy: boolean;
  /** Offers Cancel when given (a form that opened for this); a settings form that stays has none. */
  onCancel?: (() => void) | undefined;
  /** Nothing to save yet, beside a save under way. */
  disabled?: boolean;
  /** What follows the buttons (a "saved" status). */
  children?: ReactNode;
}): ReactNode {
  return (
    <div className="form-actions">
      <button type="submit" disabled={props.busy || props.disabled}>
        {props.busy ? props.busyLabel : props.label}
      </button>
      {props.onCancel ? (
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      ) : null}
      {props.children}
    </div>
  );
}
