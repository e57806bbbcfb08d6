/** Runs: newest first, with status, location, job or test, duration; filtered by status, location and job. */
import { Link, useSearchParams } from "react-router";
import { History, Layers, Zap } from "lucide-react";
import { api, type RunStatus } from "../api/client";
import { useCan } from "../auth/SessionProvider";
import { LocationBadge, StatusBadge } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { EmptyState, ErrorState, Loading } from "../components/States";
import { useAsync, useInterval } from "../hooks/useAsync";
import { formatDuration, formatRelative, isTerminal, STATUS_LABEL } from "../lib/format";
import { runName, runSource } from "../lib/runs";
import { Pager } from "./Tests";

const PAGE_SIZE = 25;
const REFRESH_MS = 5000;

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") ?? "") as RunStatus | "";
  const location = params.get("location") ?? "";
  const jobId = params.get("jobId") ?? "";
  const testId = params.get("testId") ?? "";
  const offset = Number(params.get("offset") ?? 0) || 0;
  const canWrite = useCan("tests:write");

  const runs = useAsync(
    (signal) =>
      api.listRuns(
        {
          status: status || undefined,
          location: location || undefined,
          jobId: jobId || undefined,
          testId: testId || undefined,
          limit: PAGE_SIZE,
          offset,
        },
        signal,
      ),
    [status, location, jobId, testId, offset],
  );
  const locations = useAsync((signal) => api.listLocations(signal), []);
  const jobs = useAsync((_signal) => api.listJobs({ limit: 100 }), []);
  const anyActive = !!runs.data?.items.some((run) => !isTerminal(run.status));
  useInterval(runs.reload, REFRESH_MS, anyActive);

  function setParam(name: string, value: string) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        if (name !== "offset") next.delete("offset");
        return next;
      },
      { replace: true },
    );
  }

  const filtered = !!(status || location || jobId || testId);
  return (
    <div className="page">
      <PageHeader title="Runs" subtitle="Every run of a test or a job, with its console, metrics and report." />
      <div className="card">
        <div className="toolbar" role="group" aria-label="Filters">
          <label htmlFor="status-filter" className="visually-hidden">
            Status
          </label>
          <select id="status-filter" className="select" value={status} onChange={(e) => setParam("status", e.target.value)}>
            <option value="">All statuses</option>
            {Object.entries(STATUS_LABEL).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <label htmlFor="location-filter" className="visually-hidden">
            Location
          </label>
          <select
            id="location-filter"
            className="select"
            value={location}
            onChange={(e) => setParam("location", e.target.value)}
          >
            <option value="">All locations</option>
            {(locations.data ?? []).map((loc) => (
              <option key={loc.code} value={loc.code}>
                {loc.label || loc.name}
              </option>
            ))}
          </select>
          <label htmlFor="job-filter" className="visually-hidden">
            Job
          </label>
          <select id="job-filter" className="select" value={jobId} onChange={(e) => setParam("jobId", e.target.value)}>
            <option value="">All jobs and tests</option>
            {(jobs.data?.items ?? []).map((job) => (
              <option key={job.id} value={job.id}>
                {job.name}
              </option>
            ))}
          </select>
          {testId && (
            <button type="button" className="btn btn-sm" onClick={() => setParam("testId", "")}>
              Only one test ✕
            </button>
          )}
          {filtered && (
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => setParams({}, { replace: true })}>
              Clear filters
            </button>
          )}
        </div>
        {runs.loading && !runs.data && <Loading label="Loading runs…" />}
        {runs.error != null && <ErrorState error={runs.error} onRetry={runs.reload} title="Runs could not be loaded" />}
        {runs.data && runs.data.items.length === 0 && !runs.error && (
          <EmptyState
            icon={<History aria-hidden="true" />}
            title={filtered ? "No runs match these filters" : "No runs yet"}
            actions={
              !filtered &&
              canWrite && (
                <Link to="/playground?scriptType=performance" className="btn btn-run">
                  <Zap aria-hidden="true" /> Run a performance test
                </Link>
              )
            }
          >
            {filtered ? "Try other filters." : "Run a test from the playground or trigger a K6 job."}
          </EmptyState>
        )}
        {runs.data && runs.data.items.length > 0 && !runs.error && (
          <>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Job / test</th>
                    <th scope="col">Location</th>
                    <th scope="col" className="hide-narrow">
                      Started
                    </th>
                    <th scope="col" className="num">
                      Duration
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {runs.data.items.map((run) => (
                    <tr key={run.id} data-testid="run-row">
                      <td>
                        <StatusBadge status={run.status} />
                      </td>
                      <td className="title-cell wrap">
                        <Link to={`/runs/${run.id}`}>{runName(run)}</Link>
                        <div className="muted small row" style={{ gap: 4 }}>
                          {runSource(run) === "job" ? (
                            <>
                              <Layers aria-hidden="true" width={12} height={12} /> Job
                              {run.k6Runs.length > 1 ? ` · ${run.k6Runs.length} tests` : ""}
                            </>
                          ) : (
                            <>
                              <Zap aria-hidden="true" width={12} height={12} /> Playground
                            </>
                          )}
                        </div>
                      </td>
                      <td>
                        <LocationBadge code={run.location} />
                      </td>
                      <td className="hide-narrow muted">{formatRelative(run.startedAt ?? run.createdAt)}</td>
                      <td className="num">{formatDuration(run.durationMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager total={runs.data.total} offset={offset} size={PAGE_SIZE} onOffset={(o) => setParam("offset", o ? String(o) : "")} />
          </>
        )}
      </div>
    </div>
  );
}
