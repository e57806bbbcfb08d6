/**
 * Pages behind sign-in: checks the session once, then follows it. Signed out (never signed in, a 401
 * anywhere, or the user's own sign-out) means /signin, which comes back here afterwards.
 */
import { useEffect, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { ErrorState, Loading } from "../components/States";
import { useSession } from "./SessionProvider";

export function RequireAuth({ children }: { children: ReactNode }) {
  const { state, load, signOutUser } = useSession();
  const location = useLocation();

  useEffect(() => {
    if (state.status === "unknown") load();
  }, [state.status, load]);

  if (state.status === "ready") return <>{children}</>;
  if (state.status === "signedOut") {
    const query = new URLSearchParams();
    // After the user's own sign-out the next person starts afresh; otherwise come back here.
    if (state.reason !== "user") query.set("next", location.pathname + location.search);
    if (state.reason === "expired") query.set("expired", "1");
    const search = query.toString();
    return <Navigate to={`/signin${search ? `?${search}` : ""}`} replace />;
  }
  if (state.status === "error") {
    return (
      <div className="page">
        <ErrorState error={state.error} onRetry={load} title="Your session could not be checked" />
        <p className="muted" style={{ textAlign: "center" }}>
          <button type="button" className="link-btn" onClick={() => void signOutUser()}>
            Sign out
          </button>{" "}
          to sign in as someone else.
        </p>
      </div>
    );
  }
  return <Loading label="Checking your session…" />;
}
