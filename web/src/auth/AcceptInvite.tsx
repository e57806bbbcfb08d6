/** /accept-invite?token=…: the invited person picks a name and a password and lands in the project. */
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Loader2, UserPlus } from "lucide-react";
import { accounts } from "../api/accounts";
import { TextField } from "../components/Field";
import { useAction } from "../hooks/useAction";
import { AuthCard, FormError } from "./AuthCard";
import { useSession } from "./SessionProvider";
import { MIN_PASSWORD } from "./SignIn";

export function AcceptInvitePage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { establish } = useSession();
  const token = params.get("token")?.trim() ?? "";
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim() || !password) {
      action.setError("Fill in your name and a password.");
      return;
    }
    if (password.length < MIN_PASSWORD) {
      action.setError(`The password needs at least ${MIN_PASSWORD} characters.`);
      return;
    }
    void action.run(async () => {
      const info = await accounts.acceptInvite({ token, name: name.trim(), password });
      await establish(info);
      navigate("/runs", { replace: true });
    });
  }

  if (!token) {
    return (
      <AuthCard title="Accept the invitation" subtitle="This link has no invitation token.">
        <p className="muted">
          Open the whole link you were sent, or ask for a new invitation. <Link to="/signin">Sign in</Link>
        </p>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Accept the invitation" subtitle="Choose your name and a password to join the project.">
      <form className="stack" onSubmit={submit} noValidate aria-label="Accept the invitation">
        <TextField id="name" label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
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
          Join the project
        </button>
      </form>
      <p className="muted small">
        Already have an account? <Link to="/signin">Sign in</Link> and ask an admin to add you.
      </p>
    </AuthCard>
  );
}
