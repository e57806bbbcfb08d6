/**
 * One run as it happens: a status header, the live console while it runs (never a spinner-only screen),
 * then per test the metrics grid, the k6 HTML report and the artifact downloads.
 * Used by the playground's Report tab and by the run detail page.
 */
import { useEffect, useMemo, useState } from "react";
import { Ban, CheckCircle2, Clock, Loader2, TriangleAlert, XCircle } from "lucide-react";
import { api, type K6RunRead, type RunRead } from "../api/client";
import { errorMessage } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { useInterval } from "../hooks/useAsync";
import { useRunStream, type ConsoleLine } from "../hooks/useRunStream";
import { formatDateTime, formatDuration, isTerminal, KNOWN_LOCATIONS } from "../lib/format";
import { LocationBadge, StatusBadge } from "./Badges";
import { ConsoleStream } from "./ConsoleStream";
import { Downloads } from "./Downloads";
import { MetricsGrid } from "./MetricsGrid";
import { ReportFrame } from "./ReportFrame";
import { Alert, ErrorState, Loading } from "./States";

const POLL_WHILE_STREAMING_MS = 10_000;
const POLL_WITHOUT_STREAM_MS = 2_000;

export function statusHeadline(status: string, locationName: string, tests = 1): string {
  const what = tests > 1 ? "Job run" : "Test";
  switch (status) {
    case "queued":
      return `Waiting for a runner in ${locationName}…`;
    case "running":
      return tests > 1 ? `Running ${tests} performance tests…` : "Running performance test…";
    case "passed":
      return `${what} passed`;
    case "failed":
      return `${what} failed: thresholds crossed`;
    case "error":
      return `${what} error`;
    case "cancelled":
      return `${what} cancelled`;
    default:
      return status;
  }
}

function StatusIcon({ status }: { status: string }) {
  if (status === "passed") return <CheckCircle2 aria-hidden="true" />;
  if (status === "failed") return <XCircle aria-hidden="true" />;
  if (status === "error") return <TriangleAlert aria-hidden="true" />;
  if (status === "cancelled") return <Ban aria-hidden="true" />;
  if (status === "queued") return <Clock aria-hidden="true" />;
  return <Loader2 className="spin" aria-hidden="true" />;
}

/** Console lines as text, with a heading line where the output moves to another test of a job run. */
export function displayLines(lines: readonly ConsoleLine[], titles: Record<string, string>, multi: boolean): string[] {
  if (!multi) return lines.map((line) => line.text);
  const out: string[] = [];
  let current: string | null | undefined;
  for (const line of lines) {
    if (line.testId !== current) {
      current = line.testId;
      if (line.testId) out.push(`── ${titles[line.testId] ?? line.testId} ──`);
    }
    out.push(line.text);
  }
  return out;
}

export function RunView({ runId, onRun }: { runId: string; onRun?: (run: RunRead) => void }) {
  const stream = useRunStream(runId);
  const [run, setRun] = useState<RunRead | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const canCancel = useCan("runs:trigger");

  function refresh() {
    api.getRun(runId).then(
      (value) => {
        setRun(value);
        setLoadError(null);
        onRun?.(value);
      },
      (err: unknown) => setLoadError(err),
    );
  }

  useEffect(() => {
    setRun(null);
    setLoadError(null);
    setCancelling(false);
    setCancelError(null);
    refresh();
  }, [runId]);
  // Every status event (a test started or finished, the run ended) brings new data: fetch the run again.
  useEffect(() => {
    if (stream.statusVersion > 0) refresh();
  }, [stream.statusVersion]);

  const terminal = isTerminal(run?.status);
  const streamLive = stream.connection === "open" || stream.connection === "connecting";
  useInterval(refresh, streamLive ? POLL_WHILE_STREAMING_MS : POLL_WITHOUT_STREAM_MS, !!run && !terminal);

  const titles = useMemo(() => {
    const map: Record<string, string> = {};
    for (const k6 of run?.k6Runs ?? []) if (k6.testId && k6.testTitle) map[k6.testId] = k6.testTitle;
    for (const status of Object.values(stream.statuses)) {
      if (status.testId && status.testTitle) map[status.testId] = status.testTitle;
    }
    return map;
  }, [run?.k6Runs, stream.statuses]);

  if (!run) {
    if (loadError) return <ErrorState error={loadError} onRetry={refresh} title="The run could not be loaded" />;
    return <Loading label="Loading run…" />;
  }

  const status = terminal ? run.status : (stream.statuses[""]?.status ?? run.status);
  const locationName = run.location ? (KNOWN_LOCATIONS[run.location] ?? run.location) : "any location";
  const testCount = Math.max(run.k6Runs.length, (run.metadata?.testIds as unknown[] | undefined)?.length ?? 1);
  const multi = testCount > 1;

  async function cancel() {
    setCancelling(true);
    setCancelError(null);
    try {
      await api.cancelRun(runId);
      refresh();
    } catch (err) {
      setCancelError(errorMessage(err));
      setCancelling(false);
    }
  }

  return (
    <div className="stack" data-testid="run-view" data-status={status}>
      <div className={`status-header status-${status}`} data-testid="run-status-header">
        <div className="status-main">
          <StatusIcon status={status} />
          <span>{statusHeadline(status, locationName, testCount)}</span>
        </div>
        <StatusBadge status={status} />
        <div className="meta">
          {run.location && <LocationBadge code={run.location} />}
          {run.startedAt && <span>Started {formatDateTime(run.startedAt)}</span>}
          {terminal && run.durationMs != null && <span>Duration {formatDuration(run.durationMs)}</span>}
        </div>
        <div className="grow" />
        {!terminal && canCancel && (
          <button type="button" className="btn btn-danger btn-sm" onClick={() => void cancel()} disabled={cancelling}>
            {cancelling ? <Loader2 className="spin" aria-hidden="true" /> : <Ban aria-hidden="true" />}
            {cancelling ? "Cancelling…" : "Cancel run"}
          </button>
        )}
        {run.errorDetails && (status === "error" || status === "cancelled" || status === "failed") && (
          <div className="reason">{run.errorDetails}</div>
        )}
      </div>
      {cancelError && <Alert kind="error">{cancelError}</Alert>}

      {!terminal && (
        <ConsoleStream
          title={multi ? "Performance Test Console" : "Live Console Output"}
          lines={displayLines(stream.lines, titles, multi)}
          dropped={stream.dropped}
          truncated={stream.truncated}
          connection={stream.connection}
          connectionDetail={stream.connectionDetail}
          live
        />
      )}

      {terminal && run.k6Runs.length === 0 && (
        <ConsoleStream
          title="Console output"
          lines={displayLines(stream.lines, titles, multi)}
          dropped={stream.dropped}
          truncated={stream.truncated}
          live={false}
        />
      )}

      {terminal &&
        run.k6Runs.map((k6) => (
          <TestResult
            key={k6.id}
            k6={k6}
            runId={run.id}
            multi={multi}
            lines={stream.lines.filter((line) => !multi || line.testId === k6.testId).map((line) => line.text)}
            truncated={stream.truncated}
          />
        ))}
    </div>
  );
}

function TestResult({
  k6,
  runId,
  multi,
  lines,
  truncated,
}: {
  k6: K6RunRead;
  runId: string;
  multi: boolean;
  lines: string[];
  truncated: boolean;
}) {
  const slug = (k6.testTitle ?? "test").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "test";
  const prefix = `${slug}-${runId.slice(0, 8)}`;
  return (
    <section className="card test-section" aria-label={k6.testTitle ?? "Test"} data-testid="test-result">
      <div className="card-header">
        <div className="row">
          <h2>{multi ? (k6.testTitle ?? "Test") : "Metrics Summary"}</h2>
          {multi && <StatusBadge status={k6.status} />}
          {k6.location && <LocationBadge code={k6.location} />}
        </div>
        <Downloads
          items={[
            { label: "summary.json", path: k6.summaryUrl, filename: `${prefix}-summary.json` },
            { label: "console.log", path: k6.consoleUrl, filename: `${prefix}-console.log` },
            { label: "Report (HTML)", path: k6.reportUrl, filename: `${prefix}-report.html` },
          ]}
        />
      </div>
      <div className="card-body stack">
        {k6.errorDetails && <Alert kind="error">{k6.errorDetails}</Alert>}
        <MetricsGrid metrics={k6} />
        <h3>Performance Report</h3>
        {k6.reportUrl ? (
          <ReportFrame url={k6.reportUrl} title={`k6 Performance Report: ${k6.testTitle ?? "test"}`} />
        ) : (
          <p className="muted">No HTML report was stored for this test.</p>
        )}
        <details className="console-details">
          <summary>Console output ({lines.length.toLocaleString("en-US")} lines)</summary>
          <ConsoleStream title="Console output" lines={lines} truncated={truncated} live={false} />
        </details>
      </div>
    </section>
  );
}
