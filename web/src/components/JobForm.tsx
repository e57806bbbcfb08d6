/**
 * Create/edit form of a job (seed §5): the job type decides which tests can be picked (K6 → performance
 * tests only), changing it clears the selection, and K6 jobs choose their default execution location.
 */
import { useMemo, useState, type FormEvent } from "react";
import { AppWindow, Loader2, Save, Search, Zap } from "lucide-react";
import type { JobType, LocationRead, TestRead } from "../api/client";
import { TestTypeBadge } from "./Badges";
import { Alert } from "./States";

export interface JobFormValues {
  name: string;
  description: string;
  jobType: JobType;
  location: string | null;
  testIds: string[];
}

type TestLike = Pick<TestRead, "id" | "title" | "type">;

export function isCompatible(jobType: JobType, testType: string): boolean {
  return jobType === "k6" ? testType === "performance" : testType !== "performance";
}

export function compatibleTests<T extends TestLike>(tests: readonly T[], jobType: JobType): T[] {
  return tests.filter((test) => isCompatible(jobType, test.type));
}

export function locationOptionLabel(location: LocationRead): string {
  const where = location.label || location.name;
  if (!location.available) return `${where} — no runner available`;
  return `${where} — ${location.runners} ${location.runners === 1 ? "runner" : "runners"}`;
}

export function JobForm({
  initial,
  tests,
  locations,
  onSubmit,
  error,
  submitLabel = "Create job",
  readOnly = false,
}: {
  initial: JobFormValues;
  tests: readonly TestLike[];
  locations: readonly LocationRead[] | null;
  onSubmit: (values: JobFormValues) => Promise<void>;
  error?: string | null;
  submitLabel?: string;
  /** The caller may not change jobs (a viewer): no save button. */
  readOnly?: boolean;
}) {
  const [values, setValues] = useState(initial);
  const [filter, setFilter] = useState("");
  const [busy, setBusy] = useState(false);
  const [nameError, setNameError] = useState<string | null>(null);
  const available = useMemo(() => compatibleTests(tests, values.jobType), [tests, values.jobType]);
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    return needle ? available.filter((test) => test.title.toLowerCase().includes(needle)) : available;
  }, [available, filter]);
  const isK6 = values.jobType === "k6";

  function changeType(jobType: JobType) {
    // Clear incompatible tests: a selection never survives a type change.
    setValues((current) => ({
      ...current,
      jobType,
      testIds: [],
      location: jobType === "k6" ? (current.location ?? locations?.[0]?.code ?? null) : current.location,
    }));
  }

  function toggle(id: string, checked: boolean) {
    setValues((current) => ({
      ...current,
      testIds: checked ? [...current.testIds, id] : current.testIds.filter((t) => t !== id),
    }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!values.name.trim()) {
      setNameError("Give the job a name.");
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      await onSubmit({
        ...values,
        name: values.name.trim(),
        location: isK6 ? values.location : null,
        testIds: values.testIds.filter((id) => available.some((test) => test.id === id)),
      });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(event) => void submit(event)} noValidate aria-label="Job">
      <div className="card-body stack">
        {error && <Alert kind="error">{error}</Alert>}
        <div className="form-grid">
          <div className="field span-2">
            <label htmlFor="job-name">Name</label>
            <input
              id="job-name"
              className="input"
              value={values.name}
              maxLength={255}
              onChange={(event) => setValues({ ...values, name: event.target.value })}
              aria-invalid={!!nameError}
              aria-describedby={nameError ? "job-name-error" : undefined}
            />
            {nameError && (
              <span id="job-name-error" className="field-error" role="alert">
                {nameError}
              </span>
            )}
          </div>
          <div className="field span-2">
            <label htmlFor="job-description">Description</label>
            <textarea
              id="job-description"
              className="textarea"
              value={values.description}
              onChange={(event) => setValues({ ...values, description: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor="job-type">Job Type</label>
            <select
              id="job-type"
              className="select"
              value={values.jobType}
              onChange={(event) => changeType(event.target.value as JobType)}
            >
              <option value="playwright">Playwright Job</option>
              <option value="k6">K6 Performance Job</option>
            </select>
            <span className="hint row" style={{ gap: 4 }}>
              {isK6 ? <Zap aria-hidden="true" width={12} height={12} /> : <AppWindow aria-hidden="true" width={12} height={12} />}
              {isK6 ? "Run performance and load tests with k6" : "Run browser, API, database, and custom tests"}
            </span>
          </div>
          {isK6 && (
            <div className="field">
              <label htmlFor="job-location">Execution Location</label>
              <select
                id="job-location"
                className="select"
                value={values.location ?? ""}
                onChange={(event) => setValues({ ...values, location: event.target.value || null })}
              >
                {locations === null && <option value={values.location ?? ""}>{values.location ?? "Loading locations…"}</option>}
                {locations?.map((location) => (
                  <option key={location.code} value={location.code}>
                    {locationOptionLabel(location)}
                  </option>
                ))}
              </select>
              <span className="hint">Select the geographical region where this test will execute</span>
            </div>
          )}
          <fieldset className="field span-2" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="label" style={{ padding: 0, marginBottom: 6 }}>
              Select {isK6 ? "Performance" : "Playwright"} Tests{" "}
              <span className="muted small" data-testid="available-count">
                ({available.length} available)
              </span>
            </legend>
            {available.length > 6 && (
              <div className="search" style={{ maxWidth: "none", marginBottom: 8 }}>
                <Search aria-hidden="true" />
                <label htmlFor="job-test-filter" className="visually-hidden">
                  Filter tests
                </label>
                <input
                  id="job-test-filter"
                  className="input"
                  type="search"
                  placeholder="Filter tests"
                  value={filter}
                  onChange={(event) => setFilter(event.target.value)}
                />
              </div>
            )}
            <div className="checklist" data-testid="job-test-list">
              {shown.length === 0 && (
                <div className="empty">
                  {available.length === 0
                    ? isK6
                      ? "No performance tests yet. Create one in the playground first."
                      : "No Playwright-compatible tests yet."
                    : "No tests match the filter."}
                </div>
              )}
              {shown.map((test) => (
                <label key={test.id}>
                  <input
                    type="checkbox"
                    checked={values.testIds.includes(test.id)}
                    onChange={(event) => toggle(test.id, event.target.checked)}
                  />
                  <span style={{ flex: 1 }}>{test.title}</span>
                  <TestTypeBadge type={test.type} />
                </label>
              ))}
            </div>
            <span className="hint" data-testid="selected-count">
              {values.testIds.length} selected{isK6 && values.testIds.length > 1 ? " — every test runs, one after another" : ""}
            </span>
          </fieldset>
        </div>
        {!readOnly && (
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? <Loader2 className="spin" aria-hidden="true" /> : <Save aria-hidden="true" />}
              {submitLabel}
            </button>
          </div>
        )}
      </div>
    </form>
  );
}
