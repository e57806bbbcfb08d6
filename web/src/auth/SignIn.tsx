/** Sign-in with the API key `just up` printed; kept in sessionStorage for this browser tab. */
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { KeyRound, Loader2, Zap } from "lucide-react";
import { api } from "../api/client";
import { ApiError, errorMessage } from "../api/errors";
import { setApiKey, signOut } from "./session";

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const expired = params.get("expired") === "1";
  const next = safeNext(params.get("next"));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError("Enter your API key.");
      return;
    }
    setBusy(true);
    setError(null);
    setApiKey(trimmed);
    try {
      await api.listLocations(); // any authenticated call proves the key
      navigate(next, { replace: true });
    } catch (err) {
      signOut("user");
      setError(err instanceof ApiError && err.status === 401 ? "That API key was not accepted." : errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <form className="card" onSubmit={(event) => void submit(event)} noValidate>
        <div className="card-body">
          <div className="brand" style={{ padding: 0 }}>
            <Zap aria-hidden="true" width={22} height={22} />
            Supercheck Performance
          </div>
          <div className="stack" style={{ gap: 4 }}>
            <h1>Sign in</h1>
            <p className="muted">
              Use the API key that <code>just up</code> printed (kept in <code>.data/admin-api-key</code>).
            </p>
          </div>
          {expired && !error && (
            <p className="alert alert-warning" role="status">
              Your session ended or the key was revoked. Sign in again.
            </p>
          )}
          <div className="field">
            <label htmlFor="api-key">API key</label>
            <input
              id="api-key"
              className="input"
              type="password"
              autoComplete="current-password"
              value={key}
              onChange={(event) => setKey(event.target.value)}
              aria-invalid={!!error}
              aria-describedby={error ? "api-key-error" : undefined}
              autoFocus
            />
            {error && (
              <span id="api-key-error" className="field-error" role="alert">
                {error}
              </span>
            )}
          </div>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? <Loader2 className="spin" aria-hidden="true" /> : <KeyRound aria-hidden="true" />}
            Sign in
          </button>
          <p className="faint small">The key stays in this tab only and is forgotten when you close it.</p>
        </div>
      </form>
    </div>
  );
}

/** Only paths inside the app: never an absolute URL from the query string. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/signin")) return "/runs";
  return next;
}
