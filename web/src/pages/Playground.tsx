/**
 * The playground (/playground?scriptType=performance): write a script from a template, see problems as you
 * type, save it, run it in a chosen location and watch the Report tab — live console first, report after.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { Eye, Info, Loader2, Play, Save } from "lucide-react";
import { api, type RunRead, type TestType } from "../api/client";
import { errorMessage, scriptIssuesOf } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { LocationDialog } from "../components/LocationDialog";
import { ConfirmDialog } from "../components/Modal";
import { RunView } from "../components/RunView";
import { ScriptEditor } from "../components/ScriptEditor";
import { Alert, EmptyState, ErrorState, Loading } from "../components/States";
import { TestTypeIcon } from "../components/icons";
import { ValidationPanel, ValidationStatus } from "../components/ValidationPanel";
import { useScriptValidation } from "../hooks/useScriptValidation";
import { DEFAULT_TEMPLATE, OTHER_TYPE_TEMPLATES, TEMPLATES } from "../k6/templates";
import { isTerminal, TEST_TYPE_LABEL } from "../lib/format";

const TEST_TYPES: TestType[] = ["browser", "api", "database", "custom", "performance"];
type Tab = "editor" | "report";

function asTestType(raw: string | null): TestType {
  return TEST_TYPES.includes(raw as TestType) ? (raw as TestType) : "performance";
}

function starterScript(type: TestType): string {
  return type === "performance" ? DEFAULT_TEMPLATE.script : (OTHER_TYPE_TEMPLATES[type] ?? "");
}

function defaultTitle(type: TestType): string {
  return `Untitled ${TEST_TYPE_LABEL[type]?.toLowerCase() ?? type} test`;
}

export function Playground() {
  const [params, setParams] = useSearchParams();
  const testIdParam = params.get("testId");
  const runIdParam = params.get("runId");
  const [scriptType, setScriptType] = useState<TestType>(asTestType(params.get("scriptType")));
  const [testId, setTestId] = useState<string | null>(testIdParam);
  const [title, setTitle] = useState(defaultTitle(scriptType));
  const [script, setScript] = useState(starterScript(scriptType));
  const [saved, setSaved] = useState<{ title: string; script: string } | null>(null);
  const [loading, setLoading] = useState(!!testIdParam);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [tab, setTab] = useState<Tab>(runIdParam ? "report" : "editor");
  const [runId, setRunId] = useState<string | null>(runIdParam);
  const [runStatus, setRunStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const [serverIssues, setServerIssues] = useState<ReturnType<typeof scriptIssuesOf>>([]);
  const [choosingLocation, setChoosingLocation] = useState(false);
  const [pendingTemplate, setPendingTemplate] = useState<string | null>(null);
  const [templateId, setTemplateId] = useState(DEFAULT_TEMPLATE.id);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ editor: null, report: null });

  const isPerformance = scriptType === "performance";
  const canWrite = useCan("tests:write");
  const canRun = useCan("runs:trigger");
  const validation = useScriptValidation(script, scriptType, isPerformance);
  const dirty = !saved || saved.title !== title || saved.script !== script;
  const runActive = !!runId && !isTerminal(runStatus);

  // A new scriptType from the Create menu starts a fresh script of that type.
  const typeParam = params.get("scriptType");
  useEffect(() => {
    if (testIdParam) return;
    const type = asTestType(typeParam);
    setScriptType(type);
    setTestId(null);
    setTitle(defaultTitle(type));
    setScript(starterScript(type));
    setTemplateId(DEFAULT_TEMPLATE.id);
    setSaved(null);
    setSaveError(null);
    setServerIssues([]);
    if (!params.get("runId")) {
      setRunId(null);
      setTab("editor");
    }
  }, [typeParam, testIdParam]);

  // Opening an existing test (from the Tests page or after a reload).
  useEffect(() => {
    if (!testIdParam) return;
    if (testIdParam === testId && saved) return;
    let cancelled = false;
    setLoading(true);
    setLoadError(null);
    api.getTest(testIdParam).then(
      (test) => {
        if (cancelled) return;
        setScriptType(test.type);
        setTestId(test.id);
        setTitle(test.title);
        setScript(test.script);
        setSaved({ title: test.title, script: test.script });
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setLoadError(err);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [testIdParam]);

  const updateParams = useCallback(
    (changes: Record<string, string | null>) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [name, value] of Object.entries(changes)) {
            if (value === null) next.delete(name);
            else next.set(name, value);
          }
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  async function save(): Promise<string | null> {
    setSaving(true);
    setSaveError(null);
    setSavedNote(null);
    setServerIssues([]);
    try {
      const cleanTitle = title.trim() || defaultTitle(scriptType);
      const test = testId
        ? await api.updateTest(testId, { title: cleanTitle, script })
        : await api.createTest({ title: cleanTitle, type: scriptType, script, tags: [] });
      setTitle(test.title);
      setTestId(test.id);
      setSaved({ title: test.title, script: test.script });
      setSavedNote("Saved");
      updateParams({ testId: test.id, scriptType: test.type });
      return test.id;
    } catch (err) {
      setServerIssues(scriptIssuesOf(err));
      setSaveError(errorMessage(err));
      setTab("editor");
      return null;
    } finally {
      setSaving(false);
    }
  }

  function startRun() {
    setSaveError(null);
    if (!validation.valid) {
      setSaveError("Fix the errors in the script before running it.");
      setTab("editor");
      return;
    }
    setChoosingLocation(true);
  }

  async function runIn(location: string, queueIfUnavailable: boolean) {
    const id = dirty || !testId ? await save() : testId;
    if (!id) {
      setChoosingLocation(false);
      return;
    }
    const run = await api.executeTest(id, { location, queueIfUnavailable });
    setChoosingLocation(false);
    setRunId(run.id);
    setRunStatus(run.status);
    setTab("report");
    updateParams({ runId: run.id });
  }

  function applyTemplate(id: string) {
    const template = TEMPLATES.find((t) => t.id === id);
    if (!template) return;
    setTemplateId(id);
    setScript(template.script);
    setPendingTemplate(null);
  }

  function chooseTemplate(id: string) {
    const isUnchanged = script === starterScript(scriptType) || TEMPLATES.some((t) => t.script === script);
    if (isUnchanged) applyTemplate(id);
    else setPendingTemplate(id);
  }

  function onTabKey(event: KeyboardEvent) {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const next: Tab = tab === "editor" ? "report" : "editor";
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  const onRun = useCallback((run: RunRead) => setRunStatus(run.status), []);
  const editorIssues = useMemo(
    () => (serverIssues.length ? serverIssues.map((i) => ({ ...i, severity: i.severity ?? "error" })) : validation.issues),
    [serverIssues, validation.issues],
  );

  if (loading) return <Loading label="Loading test…" />;
  if (loadError)
    return (
      <div className="page">
        <ErrorState error={loadError} title="The test could not be opened" />
      </div>
    );

  const pendingName = TEMPLATES.find((t) => t.id === pendingTemplate)?.name;

  return (
    <div className="playground">
      <div className="playground-bar">
        <span className="type-label">
          <TestTypeIcon type={scriptType} />
          {TEST_TYPE_LABEL[scriptType]} Test
        </span>
        <label htmlFor="test-title" className="visually-hidden">
          Test title
        </label>
        <input
          id="test-title"
          className="input title-input"
          value={title}
          maxLength={255}
          onChange={(event) => setTitle(event.target.value)}
        />
        {isPerformance && (
          <>
            <label htmlFor="template" className="visually-hidden">
              Template
            </label>
            <select
              id="template"
              className="select template-select"
              value={templateId}
              onChange={(event) => chooseTemplate(event.target.value)}
              title={TEMPLATES.find((t) => t.id === templateId)?.description ?? "Start from a load shape"}
            >
              {TEMPLATES.map((t) => (
                <option key={t.id} value={t.id}>
                  Template: {t.name}
                </option>
              ))}
            </select>
          </>
        )}
        <div className="spacer" />
        {isPerformance && <ValidationStatus validation={validation} />}
        {savedNote && !dirty && (
          <span className="muted small" role="status">
            {savedNote}
          </span>
        )}
        {!canWrite && (
          <span className="badge" title="Your role may look at tests and runs, not change or start them">
            <Eye aria-hidden="true" /> Read-only
          </span>
        )}
        {canWrite && (
          <button type="button" className="btn" onClick={() => void save()} disabled={saving}>
            {saving ? <Loader2 className="spin" aria-hidden="true" /> : <Save aria-hidden="true" />}
            Save
          </button>
        )}
        {isPerformance && canWrite && canRun && (
          <button type="button" className="btn btn-run" onClick={startRun} disabled={runActive || saving}>
            <Play aria-hidden="true" />
            {runActive ? "Running…" : "Run"}
          </button>
        )}
      </div>

      <div className="playground-body">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <div className="tabs" role="tablist" aria-label="Playground" onKeyDown={onTabKey}>
            {(["editor", "report"] as const).map((name) => (
              <button
                key={name}
                ref={(el) => {
                  tabRefs.current[name] = el;
                }}
                type="button"
                role="tab"
                id={`tab-${name}`}
                className="tab"
                aria-selected={tab === name}
                aria-controls={`panel-${name}`}
                tabIndex={tab === name ? 0 : -1}
                onClick={() => setTab(name)}
              >
                {name === "editor" ? "Editor" : "Report"}
              </button>
            ))}
          </div>
          {testId && (
            <Link to={`/runs?testId=${testId}`} className="small">
              Past runs of this test
            </Link>
          )}
        </div>

        {saveError && (
          <Alert kind="error">
            {saveError}
            {serverIssues.length > 0 && (
              <ul>
                {serverIssues.map((issue, i) => (
                  <li key={i}>
                    {issue.line ? `Line ${issue.line}: ` : ""}
                    {issue.message}
                  </li>
                ))}
              </ul>
            )}
          </Alert>
        )}

        <div role="tabpanel" id="panel-editor" aria-labelledby="tab-editor" hidden={tab !== "editor"} className="stack" style={{ gap: 12 }}>
          {!isPerformance && (
            <Alert kind="info" icon={<Info aria-hidden="true" />}>
              {TEST_TYPE_LABEL[scriptType]} tests are saved here and belong in Playwright jobs; this installation runs
              k6 performance tests only.
            </Alert>
          )}
          <ScriptEditor
            value={script}
            onChange={setScript}
            issues={editorIssues}
            language={isPerformance ? "javascript" : "typescript"}
            label={`${TEST_TYPE_LABEL[scriptType]} test script`}
          />
          {isPerformance && <ValidationPanel validation={validation} />}
        </div>

        <div role="tabpanel" id="panel-report" aria-labelledby="tab-report" hidden={tab !== "report"}>
          {runId ? (
            <RunView runId={runId} onRun={onRun} />
          ) : (
            <div className="card">
              <EmptyState title="No report yet">
                {isPerformance
                  ? "Run your test to see the live console, the metrics and the k6 report here."
                  : "Reports appear for performance tests run from here."}
              </EmptyState>
            </div>
          )}
        </div>
      </div>

      {choosingLocation && (
        <LocationDialog onClose={() => setChoosingLocation(false)} onConfirm={runIn} />
      )}
      {pendingTemplate && (
        <ConfirmDialog
          title="Replace the script?"
          message={`Your changes to the script will be replaced by the ${pendingName} template.`}
          confirmLabel="Replace script"
          onConfirm={() => applyTemplate(pendingTemplate)}
          onClose={() => setPendingTemplate(null)}
        />
      )}
    </div>
  );
}
