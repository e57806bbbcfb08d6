/** The script's problems, listed under the editor with their line numbers. */
import { AlertCircle, CheckCircle2, Loader2, TriangleAlert } from "lucide-react";
import type { ScriptValidation } from "../hooks/useScriptValidation";

export function ValidationStatus({ validation }: { validation: ScriptValidation }) {
  const errors = validation.issues.filter((issue) => issue.severity === "error").length;
  if (validation.checking && errors === 0) {
    return (
      <span className="validation-pill" role="status">
        <Loader2 className="spin" aria-hidden="true" /> Checking script…
      </span>
    );
  }
  if (errors > 0) {
    return (
      <span className="validation-pill bad" role="status" data-testid="validation-status">
        <AlertCircle aria-hidden="true" /> {errors} {errors === 1 ? "error" : "errors"}
      </span>
    );
  }
  return (
    <span className="validation-pill ok" role="status" data-testid="validation-status">
      <CheckCircle2 aria-hidden="true" /> Script is valid
    </span>
  );
}

export function ValidationPanel({ validation }: { validation: ScriptValidation }) {
  if (validation.issues.length === 0 && !validation.unavailable) return null;
  return (
    <div className="stack" style={{ gap: 8 }} aria-label="Script problems" data-testid="validation-panel">
      <ul className="problems">
        {validation.issues.map((issue, i) => (
          <li key={`${issue.rule}-${i}`} className={`problem problem-${issue.severity}`}>
            {issue.severity === "error" ? <AlertCircle aria-hidden="true" /> : <TriangleAlert aria-hidden="true" />}
            <span>
              {issue.line ? (
                <span className="where">
                  Line {issue.line}
                  {issue.column ? `:${issue.column}` : ""}{" "}
                </span>
              ) : null}
              {issue.message}
            </span>
          </li>
        ))}
      </ul>
      {validation.unavailable && (
        <p className="muted small">Server-side check unavailable ({validation.unavailable}); showing the basic rules only.</p>
      )}
    </div>
  );
}
