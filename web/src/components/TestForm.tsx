/**
 * Create/edit form of a test (seed §4): the type selector and the priority field are hidden for performance
 * tests, whose settings all live in the k6 script.
 */
import { useState, type FormEvent } from "react";
import { Loader2, Save } from "lucide-react";
import type { TestPriority, TestType } from "../api/client";
import type { ScriptIssueLike } from "../api/errors";
import { useScriptValidation } from "../hooks/useScriptValidation";
import { DEFAULT_TEMPLATE, OTHER_TYPE_TEMPLATES } from "../k6/templates";
import { ScriptEditor } from "./ScriptEditor";
import { Alert } from "./States";
import { ValidationPanel } from "./ValidationPanel";

export interface TestFormValues {
  title: string;
  description: string;
  type: TestType;
  priority: TestPriority | null;
  tags: string[];
  script: string;
}

export const PLAYWRIGHT_TYPES: { value: TestType; label: string }[] = [
  { value: "browser", label: "Browser Test" },
  { value: "api", label: "API Test" },
  { value: "database", label: "Database Test" },
  { value: "custom", label: "Custom Test" },
];

export function emptyTest(type: TestType): TestFormValues {
  return {
    title: "",
    description: "",
    type,
    priority: type === "performance" ? null : "medium",
    tags: [],
    script: type === "performance" ? DEFAULT_TEMPLATE.script : (OTHER_TYPE_TEMPLATES[type] ?? ""),
  };
}

export function parseTags(raw: string): string[] {
  return Array.from(new Set(raw.split(",").map((tag) => tag.trim()).filter(Boolean)));
}

export function TestForm({
  initial,
  editing,
  onSubmit,
  error,
  issues = [],
  readOnly = false,
}: {
  initial: TestFormValues;
  /** An existing test: its type cannot change any more. */
  editing: boolean;
  onSubmit: (values: TestFormValues) => Promise<void>;
  error?: string | null;
  issues?: ScriptIssueLike[];
  /** The caller may not change tests (a viewer): no save button. */
  readOnly?: boolean;
}) {
  const [values, setValues] = useState(initial);
  const [tagsText, setTagsText] = useState(initial.tags.join(", "));
  const [busy, setBusy] = useState(false);
  const [titleError, setTitleError] = useState<string | null>(null);
  const isPerformance = values.type === "performance";
  const validation = useScriptValidation(values.script, values.type, isPerformance);

  function set<K extends keyof TestFormValues>(key: K, value: TestFormValues[K]) {
    setValues((current) => ({ ...current, [key]: value }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!values.title.trim()) {
      setTitleError("Give the test a title.");
      return;
    }
    setTitleError(null);
    setBusy(true);
    try {
      await onSubmit({
        ...values,
        title: values.title.trim(),
        tags: parseTags(tagsText),
        priority: isPerformance ? null : values.priority,
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(event) => void submit(event)} noValidate aria-label="Test">
      <div className="card-body stack">
        {error && (
          <Alert kind="error">
            {error}
            {issues.length > 0 && (
              <ul>
                {issues.map((issue, i) => (
                  <li key={i}>
                    {issue.line ? `Line ${issue.line}: ` : ""}
                    {issue.message}
                  </li>
                ))}
              </ul>
            )}
          </Alert>
        )}
        <div className="form-grid">
          <div className="field span-2">
            <label htmlFor="title">Title</label>
            <input
              id="title"
              className="input"
              value={values.title}
              maxLength={255}
              onChange={(event) => set("title", event.target.value)}
              aria-invalid={!!titleError}
              aria-describedby={titleError ? "title-error" : undefined}
            />
            {titleError && (
              <span id="title-error" className="field-error" role="alert">
                {titleError}
              </span>
            )}
          </div>
          <div className="field span-2">
            <label htmlFor="description">Description</label>
            <textarea
              id="description"
              className="textarea"
              value={values.description}
              onChange={(event) => set("description", event.target.value)}
            />
          </div>
          {/* Type: no dropdown for performance tests. */}
          {!isPerformance && (
            <div className="field">
              <label htmlFor="type">Test Type</label>
              <select
                id="type"
                className="select"
                value={values.type}
                disabled={editing}
                onChange={(event) => set("type", event.target.value as TestType)}
              >
                {PLAYWRIGHT_TYPES.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
              {editing && <span className="hint">The type of a saved test cannot change.</span>}
            </div>
          )}
          {/* Priority: does not apply to performance tests. */}
          {!isPerformance && (
            <div className="field">
              <label htmlFor="priority">Priority</label>
              <select
                id="priority"
                className="select"
                value={values.priority ?? "medium"}
                onChange={(event) => set("priority", event.target.value as TestPriority)}
              >
                <option value="low">Low</option>
                <option value="medium">Medium</option>
                <option value="high">High</option>
              </select>
            </div>
          )}
          <div className="field span-2">
            <label htmlFor="tags">Tags</label>
            <input
              id="tags"
              className="input"
              value={tagsText}
              placeholder="checkout, critical"
              onChange={(event) => setTagsText(event.target.value)}
            />
            <span className="hint">Separate tags with commas.</span>
          </div>
          <div className="field span-2">
            <span className="label" id="script-label">
              Script
            </span>
            {isPerformance && (
              <span className="hint">
                Everything about the load (VUs, duration, stages, thresholds) is configured in the k6 script itself.
              </span>
            )}
            <ScriptEditor
              value={values.script}
              onChange={(script) => set("script", script)}
              issues={validation.issues}
              language={isPerformance ? "javascript" : "typescript"}
              label="Test script"
            />
            {isPerformance && <ValidationPanel validation={validation} />}
          </div>
        </div>
        {!readOnly && (
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? <Loader2 className="spin" aria-hidden="true" /> : <Save aria-hidden="true" />}
              {editing ? "Save changes" : "Create test"}
            </button>
          </div>
        )}
      </div>
    </form>
  );
}
