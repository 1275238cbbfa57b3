import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError, describeError } from '../api';
import { rememberPageForLink } from '../session';
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
                A personal token (<code>hru_…</code>) shows your inbox and settings; owners and admins also
                manage rules, history and integrations with it. The admin token or an organization API key
                manages everything. The token is kept in this tab only.
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
        <EmailLinkForm />
      </div>
    </main>
  );
}

/**
 * What came of the last ask for a link: `waitSeconds` when too many were asked for the address, or when
 * Herald cannot send links for a moment (503).
 */
type LinkAsk =
  | { readonly state: 'idle' | 'sending' | 'sent' | 'failed' }
  | { readonly state: 'limited' | 'unavailable'; readonly waitSeconds: number | null };

/** Asks Herald to email a one-time sign-in link (15 minutes, one use). */
function EmailLinkForm(): ReactNode {
  const [email, setEmail] = useState('');
  const [ask, setAsk] = useState<LinkAsk>({ state: 'idle' });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) return;
    setAsk({ state: 'sending' });
    rememberPageForLink(window.location.pathname + window.location.search);
    try {
      const response = await fetch('/api/v1/auth/email-link', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: email.trim() }),
      });
      if (response.status === 429 || response.status === 503) {
        const seconds = Number(response.headers.get('retry-after'));
        setAsk({
          state: response.status === 429 ? 'limited' : 'unavailable',
          waitSeconds: seconds > 0 ? seconds : null,
        });
        return;
      }
      setAsk({ state: response.ok ? 'sent' : 'failed' });
    } catch {
      setAsk({ state: 'failed' });
    }
  };
  return (
    <form onSubmit={submit} noValidate className="sign-in-email">
      <h2>Or get a sign-in link by email</h2>
      {ask.state === 'sent' ? (
        <Notice kind="info">
          If this address belongs to a member, a link is on its way. It works once, for 15 minutes.
        </Notice>
      ) : null}
      {ask.state === 'failed' ? (
        <Notice kind="error">The link could not be requested. Check the address.</Notice>
      ) : null}
      {ask.state === 'limited' ? (
        <Notice kind="error">
          Too many links were asked for this address. Ask again {waitText(ask.waitSeconds)}. A link emailed
          already works for 15 minutes after it was sent.
        </Notice>
      ) : null}
      {ask.state === 'unavailable' ? (
        <Notice kind="error">
          Links cannot be sent for a moment. Ask again {waitText(ask.waitSeconds)}.
        </Notice>
      ) : null}
      <Field label="Email">
        {(ids) => (
          <input
            id={ids.id}
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby={ids.describedBy}
          />
        )}
      </Field>
      <button type="submit" disabled={ask.state === 'sending'}>
        {ask.state === 'sending' ? 'Sending…' : 'Email me a link'}
      </button>
    </form>
  );
}

/** "in 3 minutes", "in 40 seconds": when the form takes the address again (Retry-After, in seconds). */
function waitText(seconds: number | null): string {
  if (seconds === null) return 'in a few minutes';
  if (seconds < 60) return seconds === 1 ? 'in 1 second' : `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? 'in 1 minute' : `in ${minutes} minutes`;
}
