/**
 * Validation as the user types: the static k6 rules at once, then the server's answer
 * (POST /api/tests/validate, which also runs `k6 inspect`) for the script as it was 400 ms after the last key.
 */
import { useEffect, useMemo, useState } from "react";
import { api, type TestType } from "../api/client";
import { errorMessage } from "../api/errors";
import { staticIssues, type StaticIssue } from "../k6/staticRules";

export const VALIDATE_DEBOUNCE_MS = 400;

export interface ScriptValidation {
  issues: StaticIssue[];
  valid: boolean;
  /** True while the server has not answered for the current script. */
  checking: boolean;
  /** The server could not be asked; the static rules' result stands. */
  unavailable: string | null;
}

export function useScriptValidation(script: string, type: TestType, enabled: boolean): ScriptValidation {
  const local = useMemo(() => (enabled ? staticIssues(script) : []), [script, enabled]);
  const [server, setServer] = useState<{ script: string; issues: StaticIssue[] } | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      api.validateScript(script, type, controller.signal).then(
        (result) => {
          const issues = [...result.errors, ...result.warnings].map((issue) => ({
            message: issue.message,
            rule: issue.rule,
            severity: issue.severity,
            line: issue.line ?? null,
            column: issue.column ?? null,
          }));
          setServer({ script, issues });
          setUnavailable(null);
        },
        (err: unknown) => {
          if (!controller.signal.aborted) setUnavailable(errorMessage(err));
        },
      );
    }, VALIDATE_DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [script, type, enabled]);

  if (!enabled) return { issues: [], valid: true, checking: false, unavailable: null };
  const fresh = server?.script === script;
  const issues = fresh ? server.issues : local;
  return {
    issues,
    valid: !issues.some((issue) => issue.severity === "error"),
    checking: !fresh && !unavailable,
    unavailable,
  };
}
