import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError, describeError } from '../api';
import { Field, Notice } from '../ui';

/** Sign in by pasting a token. */
export function SignInPage(props: {
  notice: string | null;
  onToken: (token: string) => Promise<void>;
}): ReactNode {
  const [token, setToken] = useState('');
  const [tokenError, setTokenError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submitToken = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setTokenError('Paste a token first.');
      return;
    }
    setBusy(true);
    setTokenError(undefined);
    try {
      await props.onToken(value);
    } catch (error) {
      setTokenError(
        error instanceof ApiError && error.status === 401
          ? 'Herald does not know this token. Check that it was copied whole.'
          : describeError(error),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-card">
        <p className="brand brand-large">
          <span aria-hidden="true" className="brand-mark">
            H
          </span>
          Herald
        </p>
        <h1>Sign in</h1>
        {props.notice ? <Notice kind="error">{props.notice}</Notice> : null}
        <form onSubmit={submitToken} noValidate>
          <Field
            label="Token"
            error={tokenError}
            hint={
              <>
                A personal token (<code>hru_…</code>) shows your inbox and settings. The admin token or an
                organization API key manages rules, history and integrations; signed in with it, an admin
                creates a member's personal token under Notification settings. The token is kept in this tab
                only.
              </>
            }
          >
            {(ids) => (
              <input
                id={ids.id}
                type="password"
                autoComplete="off"
                spellCheck={false}
                value={token}
                onChange={(e) => setToken(e.target.value)}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid}
              />
            )}
          </Field>
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
