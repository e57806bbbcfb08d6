/**
 * Who is signed in, in which project, with which permissions (`GET /api/auth/me`), for the whole app.
 * Sign-in pages hand over a new session with `establish`; the project switcher calls `switchProject`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { accounts, type Permission, type SessionInfo } from "../api/accounts";
import { ApiError } from "../api/errors";
import {
  clearApiKey,
  csrfToken,
  getApiKey,
  getProjectId,
  onSignOut,
  setCsrfToken,
  setProjectId,
  signOut,
  type SignOutReason,
} from "./session";

export type SessionState =
  | { status: "unknown" }
  | { status: "loading" }
  | { status: "signedOut"; reason: SignOutReason | null }
  | { status: "error"; error: unknown }
  | { status: "ready"; info: SessionInfo };

export interface Session {
  state: SessionState;
  /** Checks the stored credential (page load). */
  load: () => void;
  /** After a sign-in, sign-up or accepted invitation (`initial` is its answer), or once a key was stored. */
  establish: (initial?: SessionInfo) => Promise<SessionInfo>;
  switchProject: (projectId: string) => Promise<SessionInfo>;
  /** Reloads the session info (the project was renamed, a project was created…). */
  refresh: () => Promise<SessionInfo>;
  /** Ends a cookie session on the server, or forgets the key. */
  signOutUser: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

function isCookieSession(): boolean {
  return !getApiKey();
}

/** `/api/auth/me`, dropping a stored project the user no longer belongs to. */
async function fetchInfo(): Promise<SessionInfo> {
  let info: SessionInfo;
  try {
    info = await accounts.me();
  } catch (err) {
    const stale = err instanceof ApiError && (err.status === 403 || err.status === 404);
    if (!stale || !isCookieSession() || !getProjectId()) throw err;
    setProjectId(null);
    info = await accounts.me();
  }
  setCsrfToken(info.csrfToken);
  if (isCookieSession()) setProjectId(info.project.id);
  return info;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "unknown" });

  useEffect(() => onSignOut((reason) => setState({ status: "signedOut", reason })), []);

  const load = useCallback(() => {
    // Only a stored key or the CSRF cookie tells a session that ended from a visitor who never signed in.
    const hadCredential = !!getApiKey() || !!csrfToken();
    setState({ status: "loading" });
    fetchInfo().then(
      (info) => setState({ status: "ready", info }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          if (hadCredential) signOut("expired"); // forgets the key
          setState({ status: "signedOut", reason: hadCredential ? "expired" : null });
        } else {
          setState({ status: "error", error: err });
        }
      },
    );
  }, []);

  const establish = useCallback(async (initial?: SessionInfo) => {
    if (initial) {
      clearApiKey(); // a person signed in: their cookie session replaces a key this tab may still hold
      // Keep the project chosen last time in this browser when this user belongs to it.
      const stored = getProjectId();
      setProjectId(initial.projects.some((p) => p.id === stored) ? stored : initial.project.id);
      setCsrfToken(initial.csrfToken);
    }
    let info: SessionInfo;
    try {
      info = await fetchInfo();
    } catch (err) {
      if (initial && err instanceof ApiError && err.status === 401) {
        throw new Error(
          "Signed in, but this browser did not keep the session cookie. Allow cookies for this site and try again.",
        );
      }
      throw err;
    }
    setState({ status: "ready", info });
    return info;
  }, []);

  const switchProject = useCallback(async (projectId: string) => {
    const previous = getProjectId();
    setProjectId(projectId);
    try {
      const info = await fetchInfo();
      setState({ status: "ready", info });
      return info;
    } catch (err) {
      setProjectId(previous);
      throw err;
    }
  }, []);

  const refresh = useCallback(async () => {
    const info = await fetchInfo();
    setState({ status: "ready", info });
    return info;
  }, []);

  const signOutUser = useCallback(async () => {
    if (isCookieSession()) {
      try {
        await accounts.logout();
      } catch {
        /* the session may already be gone; the sign-in page comes next either way */
      }
    }
    signOut("user");
  }, []);

  const value = useMemo(
    () => ({ state, load, establish, switchProject, refresh, signOutUser }),
    [state, load, establish, switchProject, refresh, signOutUser],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession needs a <SessionProvider>");
  return session;
}

/** The signed-in session's info, or null (signed out, or a component rendered on its own in a test). */
export function useSessionInfo(): SessionInfo | null {
  const session = useContext(SessionContext);
  return session?.state.status === "ready" ? session.state.info : null;
}

/**
 * Whether the caller's role allows `permission`, to hide what it may not do. Outside a session (a component
 * rendered on its own) everything shows: the server decides anyway, and pages handle its 403.
 */
export function useCan(permission: Permission): boolean {
  const info = useSessionInfo();
  return info ? info.permissions.includes(permission) : true;
}
