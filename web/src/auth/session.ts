/**
 * The signed-in credential and the headers every /api request carries.
 *
 * Two kinds of session: a person's cookie session (HttpOnly `supercheck_session`, set by the backend on
 * sign-in; every write repeats the `supercheck_csrf` cookie in `X-CSRF-Token`), or an API key kept in
 * sessionStorage (this tab, until it closes) and sent as `Authorization: Bearer`. The selected project
 * lives in localStorage and goes out as `X-Project-Id`. Anything that sees a 401 calls
 * `signOut("expired")`; the app listens and returns to sign-in.
 */

const KEY = "supercheck.apiKey";
const PROJECT = "supercheck.projectId";
const CSRF_COOKIE = "supercheck_csrf";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type Listener = (reason: SignOutReason) => void;
export type SignOutReason = "expired" | "user";

const listeners = new Set<Listener>();
/** The token `/api/auth/me` returned, for when the cookie cannot be read (it normally can). */
let sessionCsrfToken: string | null = null;

function read(storage: () => Storage, name: string): string | null {
  try {
    return storage().getItem(name);
  } catch {
    return null; // storage disabled: behave as if nothing were stored
  }
}

function write(storage: () => Storage, name: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(name);
    else storage().setItem(name, value);
  } catch {
    /* storage disabled: the value lives for this page only */
  }
}

export function getApiKey(): string | null {
  return read(() => sessionStorage, KEY);
}

export function setApiKey(key: string): void {
  write(() => sessionStorage, KEY, key);
}

/** Forgets the key without signing out (a cookie session replaces it). */
export function clearApiKey(): void {
  write(() => sessionStorage, KEY, null);
}

export function getProjectId(): string | null {
  return read(() => localStorage, PROJECT);
}

export function setProjectId(id: string | null): void {
  write(() => localStorage, PROJECT, id);
}

export function setCsrfToken(token: string | null): void {
  sessionCsrfToken = token;
}

export function getCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const [rawName, ...rest] = part.trim().split("=");
    if (rawName === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

export function csrfToken(): string | null {
  return getCookie(CSRF_COOKIE) ?? sessionCsrfToken;
}

export function signOut(reason: SignOutReason): void {
  clearApiKey();
  sessionCsrfToken = null;
  for (const listener of listeners) listener(reason);
}

export function onSignOut(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface AuthHeaderOptions {
  /** Sign-in, sign-up and the like: no credential and no project, only the CSRF token on writes. */
  anonymous?: boolean;
}

/**
 * The headers of one request. A key session sends only the key: the key is bound to its project, so a
 * stored project id (perhaps from someone's cookie session in this browser) could only cause a mismatch.
 */
export function authHeaders(method = "GET", { anonymous = false }: AuthHeaderOptions = {}): Record<string, string> {
  const key = getApiKey();
  if (key && !anonymous) return { Authorization: `Bearer ${key}` };
  const headers: Record<string, string> = {};
  const project = getProjectId();
  if (project && !anonymous) headers["X-Project-Id"] = project;
  const token = csrfToken();
  if (token && WRITES.has(method.toUpperCase())) headers["X-CSRF-Token"] = token;
  return headers;
}
