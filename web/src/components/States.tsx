/** Loading, empty and error states, so every page says what is going on. */
import type { ReactNode } from "react";
import { AlertCircle, Inbox, Loader2, RefreshCw } from "lucide-react";
import { errorMessage } from "../api/errors";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status">
      <Loader2 className="spin" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({
  icon,
  title,
  children,
  actions,
}: {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="empty-state">
      {icon ?? <Inbox aria-hidden="true" />}
      <h3>{title}</h3>
      {children && <p>{children}</p>}
      {actions && <div className="actions">{actions}</div>}
    </div>
  );
}

export function ErrorState({ error, onRetry, title = "Something went wrong" }: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  return (
    <div className="empty-state" role="alert">
      <AlertCircle aria-hidden="true" style={{ color: "var(--red)" }} />
      <h3>{title}</h3>
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <div className="actions">
          <button type="button" className="btn" onClick={onRetry}>
            <RefreshCw aria-hidden="true" /> Try again
          </button>
        </div>
      )}
    </div>
  );
}

export function Alert({
  kind = "info",
  children,
  icon,
}: {
  kind?: "info" | "error" | "warning";
  children: ReactNode;
  icon?: ReactNode;
}) {
  return (
    <div className={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {icon ?? <AlertCircle aria-hidden="true" />}
      <div>{children}</div>
    </div>
  );
}
