/**
 * Sign-in: email and password (a cookie session), "Create the first account" while nobody has one, sign-up
 * when the installation allows it, and an API key as the second way in (automation, the `just up` key).
 */
import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { KeyRound, Loader2, LogIn, UserPlus } from "lucide-react";
import { accounts, type SessionInfo } from "../api/accounts";
import { ApiError, errorMessage } from "../api/errors";
import { TextField } from "../components/Field";
import { Loading } from "../components/States";
import { useAction } from "../hooks/useAction";
import { useAsync } from "../hooks/useAsync";
import { AuthCard, FormError } from "./AuthCard";
import { useSession } from "./SessionProvider";
import { setApiKey, signOut } from "./session";

type Mode = "password" | "signup" | "key";

export const MIN_PASSWORD = 8;

export function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { establish } = useSession();
  const [mode, setMode] = useState<Mode>(params.get("method") === "key" ? "key" : "password");
  // Without the status (an older backend, a failure) the page still offers both ways in.
  const status = useAsync((signal) => accounts.status(signal).catch(() => ({ hasUsers: true, signupOpen: false })), []);
  const expired = params.get("expired") === "1";
  const next = safeNext(params.get("next"));
  const firstAccount = status.data?.hasUsers === false;

  async function signedIn(initial?: SessionInfo) {
    await establish(initial);
    navigate(next, { replace: true });
  }

  const shown: Mode | "first" = mode === "key" ? "key" : firstAccount ? "first" : mode;
  const titles = {
    password: ["Sign in", "With your email and password."],
    signup: ["Create an account", "You get a project of your own; others can add you to theirs."],
    first: ["Create the first account", "Nobody has an account yet: yours will own the default project."],
    key: ["Sign in", <>With an API key, such as the one <code>just up</code> printed (<code>.data/admin-api-key</code>).</>],
  } as const;
  const [title, subtitle] = titles[shown];

  return (
    <AuthCard title={title} subtitle={subtitle}>
      {expired && (
        <p className="alert alert-warning" role="status">
          Your session ended or the key was revoked. Sign in again.
        </p>
      )}
      {shown === "key" && <KeyForm onSignedIn={signedIn} />}
      {shown !== "key" && status.loading && <Loading label="Loading…" />}
      {shown === "password" && !status.loading && <PasswordForm onSignedIn={signedIn} />}
      {(shown === "signup" || shown === "first") && !status.loading && (
        <SignUpForm first={shown === "first"} onSignedIn={signedIn} />
      )}
      <div className="signin-links">
        {shown === "password" && status.data?.signupOpen && (
          <button type="button" className="link-btn" onClick={() => setMode("signup")}>
            Sign up
          </button>
        )}
        {shown === "signup" && (
          <button type="button" className="link-btn" onClick={() => setMode("password")}>
            I have an account: sign in
          </button>
        )}
        {shown === "key" ? (
          <button type="button" className="link-btn" onClick={() => setMode("password")}>
            {firstAccount ? "Create the first account instead" : "Sign in with email and password"}
          </button>
        ) : (
          <button type="button" className="link-btn" onClick={() => setMode("key")}>
            Sign in with an API key
          </button>
        )}
      </div>
    </AuthCard>
  );
}

function PasswordForm({ onSignedIn }: { onSignedIn: (info: SessionInfo) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!email.trim() || !password) {
      action.setError("Enter your email and password.");
      return;
    }
    void action.run(
      async () => onSignedIn(await accounts.login(email.trim(), password)),
      (err) => (err instanceof ApiError && err.status === 401 ? "Wrong email or password." : errorMessage(err)),
    );
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Sign in">
      <TextField
        id="email"
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        autoFocus
      />
      <TextField
        id="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <FormError message={action.error} />
      <button type="submit" className="btn btn-primary" disabled={action.busy}>
        {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <LogIn aria-hidden="true" />}
        Sign in
      </button>
    </form>
  );
}

function SignUpForm({ first, onSignedIn }: { first: boolean; onSignedIn: (info: SessionInfo) => Promise<void> }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    const problem = accountProblem(name, email, password);
    if (problem) {
      action.setError(problem);
      return;
    }
    void action.run(async () =>
      onSignedIn(await accounts.signup({ name: name.trim(), email: email.trim(), password })),
    );
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label={first ? "Create the first account" : "Sign up"}>
      <TextField id="name" label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      <TextField
        id="email"
        label="Email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <TextField
        id="new-password"
        label="Password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${MIN_PASSWORD} characters.`}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <FormError message={action.error} />
      <button type="submit" className="btn btn-primary" disabled={action.busy}>
        {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <UserPlus aria-hidden="true" />}
        Create account
      </button>
    </form>
  );
}

function KeyForm({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [key, setKey] = useState("");
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      action.setError("Enter your API key.");
      return;
    }
    void action.run(
      async () => {
        setApiKey(trimmed);
        try {
          await onSignedIn();
        } catch (err) {
          signOut("user"); // forget the key that did not work
          throw err;
        }
      },
      (err) => (err instanceof ApiError && err.status === 401 ? "That API key was not accepted." : errorMessage(err)),
    );
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-label="Sign in with a key">
      <TextField
        id="api-key"
        label="API key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        hint="The key stays in this tab only and is forgotten when you close it."
        autoFocus
      />
      <FormError message={action.error} />
      <button type="submit" className="btn btn-primary" disabled={action.busy}>
        {action.busy ? <Loader2 className="spin" aria-hidden="true" /> : <KeyRound aria-hidden="true" />}
        Sign in
      </button>
    </form>
  );
}

/** What is wrong with a new account's fields, before asking the server. */
export function accountProblem(name: string, email: string, password: string): string | null {
  if (!name.trim() || !email.trim() || !password) return "Fill in your name, email and password.";
  if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) return "Enter a valid email address.";
  if (password.length < MIN_PASSWORD) return `The password needs at least ${MIN_PASSWORD} characters.`;
  return null;
}

/** Only paths inside the app: never an absolute URL from the query string. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/signin")) return "/runs";
  return next;
}
