/** /runs/:id: the job or test name, location and status badges, then the live run view. */
import { useCallback, useState } from "react";
import { Link, useParams } from "react-router";
import { ArrowLeft } from "lucide-react";
import type { RunRead } from "../api/client";
import { LocationBadge, StatusBadge } from "../components/Badges";
import { PageHeader } from "../components/PageHeader";
import { RunView } from "../components/RunView";
import { formatDateTime } from "../lib/format";
import { runName, runSource } from "../lib/runs";

export function RunDetailPage() {
  const { runId } = useParams();
  const [run, setRun] = useState<RunRead | null>(null);
  const onRun = useCallback((value: RunRead) => setRun(value), []);
  if (!runId) return null;

  const source = run ? runSource(run) : null;
  return (
    <div className="page">
      <PageHeader
        back={
          <Link to="/runs" className="backlink">
            <ArrowLeft aria-hidden="true" width={14} height={14} /> Runs
          </Link>
        }
        title={run ? runName(run) : "Run"}
        badges={
          run && (
            <>
              <LocationBadge code={run.location} large />
              <StatusBadge status={run.status} large />
            </>
          )
        }
        subtitle={
          run && (
            <>
              {source === "job" ? "Job run" : "Playground run"} · created {formatDateTime(run.createdAt)}
              {source === "job" && run.jobId && (
                <>
                  {" · "}
                  <Link to={`/jobs/${run.jobId}`}>Open job</Link>
                </>
              )}
              {source === "playground" && run.testId && (
                <>
                  {" · "}
                  <Link to={`/playground?scriptType=performance&testId=${run.testId}`}>Open test in playground</Link>
                </>
              )}
            </>
          )
        }
      />
      <RunView runId={runId} onRun={onRun} />
    </div>
  );
}
