/**
 * Login form. Rules: the password goes only to POST api/auth/login (never stored by the page);
 * the first-run hint says where the generated password is; wrong password (401) and rate
 * limiting (429) are told apart; the field is cleared after a failure.
 */
import { useState } from 'preact/hooks';
import { ApiFailure, login } from '../api/client';

export function LoginView(props: { reason?: string | undefined; onLoggedIn: () => void }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!password || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await login(password);
      props.onLoggedIn();
    } catch (err) {
      setPassword('');
      if (err instanceof ApiFailure && err.status === 401) setError('Wrong password.');
      else if (err instanceof ApiFailure && err.status === 429) setError('Too many attempts. Wait a minute, then try again.');
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login-wrap">
      <form class="card login" onSubmit={(e) => void submit(e)} aria-labelledby="login-title" data-testid="login-form">
        <h1 id="login-title">
          <img src="./favicon.svg" alt="" width="28" height="28" /> homesec
        </h1>
        {props.reason && <p class="note">{props.reason}</p>}
        <label class="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)} autoFocus />
        </label>
        {error && (
          <p class="note note-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy || !password}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
        <details class="hint">
          <summary>First start?</summary>
          <p>
            homesec generated a password at its first start. It was printed in the daemon&apos;s log (the line &ldquo;first start — dashboard/API password&rdquo;) and is kept in{' '}
            <code>data/homesec_initial_password</code> (in the data directory) until the first successful login. In the Home Assistant add-on you are logged in through Home
            Assistant and never see this page.
          </p>
        </details>
      </form>
    </main>
  );
}
