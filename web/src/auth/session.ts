/**
 * The signed-in credential: an API key kept in sessionStorage (this tab, until it closes).
 * Anything that sees a 401 calls `signOut("expired")`; the app listens and returns to sign-in.
 */

const KEY = "supercheck.apiKey";

type Listener = (reason: SignOutReason) => void;
export type SignOutReason = "expired" | "user";

const listeners = new Set<Listener>();

export function getApiKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: behave as signed out
  }
}

export function setApiKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function signOut(reason: SignOutReason): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
  for (const listener of listeners) listener(reason);
}

export function onSignOut(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function authHeaders(): Record<string, string> {
  const key = getApiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}
