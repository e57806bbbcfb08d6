/** Jobs: the list with type, location and tests; run a K6 job from here. */
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Layers, Pencil, Plus, Trash2 } from "lucide-react";
import { api, type JobRead } from "../api/client";
import { errorMessage } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { JobTypeBadge, LocationBadge } from "../components/Badges";
import { ConfirmDialog } from "../components/Modal";
import { PageHeader } from "../components/PageHeader";
import { RunJobButton } from "../components/RunJobButton";
import { EmptyState, ErrorState, Loading } from "../components/States";
import { useAsync } from "../hooks/useAsync";
import { formatRelative } from "../lib/format";
import { Pager } from "./Tests";

const PAGE_SIZE = 25;

export function JobsPage() {
  const [params, setParams] = useSearchParams();
  const offset = Number(params.get("offset") ?? 0) || 0;
  const jobs = useAsync((_signal) => api.listJobs({ limit: PAGE_SIZE, offset }), [offset]);
  const [deleting, setDeleting] = useState<JobRead | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const canWrite = useCan("tests:write");

  async function confirmDelete() {
    if (!deleting) return;
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await api.deleteJob(deleting.id);
      setDeleting(null);
      jobs.reload();
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setDeleteBusy(false);
    }
  }

  return (
    <div className="page">
      <PageHeader
        title="Jobs"
        subtitle="Groups of tests that run together, in a location you choose."
        actions={
          canWrite && (
            <Link to="/jobs/new" className="btn btn-primary">
              <Plus aria-hidden="true" /> New job
            </Link>
          )
        }
      />
      <div className="card">
        {jobs.loading && !jobs.data && <Loading label="Loading jobs…" />}
        {jobs.error != null && <ErrorState error={jobs.error} onRetry={jobs.reload} title="Jobs could not be loaded" />}
        {jobs.data && jobs.data.items.length === 0 && !jobs.error && (
          <EmptyState
            icon={<Layers aria-hidden="true" />}
            title="No jobs yet"
            actions={
              canWrite && (
                <Link to="/jobs/new" className="btn btn-primary">
                  <Plus aria-hidden="true" /> Create a job
                </Link>
              )
            }
          >
            A K6 job runs several performance tests in one go, each with its own report.
          </EmptyState>
        )}
        {jobs.data && jobs.data.items.length > 0 && !jobs.error && (
          <>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col" className="hide-narrow">
                      Location
                    </th>
                    <th scope="col" className="num">
                      Tests
                    </th>
                    <th scope="col" className="hide-narrow">
                      Updated
                    </th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {jobs.data.items.map((job) => (
                    <tr key={job.id} data-testid="job-row">
                      <td className="title-cell wrap">
                        <Link to={`/jobs/${job.id}`}>{job.name}</Link>
                        {job.description && <div className="muted small">{job.description}</div>}
                      </td>
                      <td>
                        <JobTypeBadge type={job.jobType} />
                      </td>
                      <td className="hide-narrow">
                        {job.jobType === "k6" ? <LocationBadge code={job.location} /> : <span className="faint">—</span>}
                      </td>
                      <td className="num">{job.tests.length}</td>
                      <td className="hide-narrow muted">{formatRelative(job.updatedAt)}</td>
                      <td>
                        <div className="actions" style={{ justifyContent: "flex-end", flexWrap: "nowrap" }}>
                          {job.jobType === "k6" && <RunJobButton job={job} small />}
                          <Link to={`/runs?jobId=${job.id}`} className="btn btn-sm btn-ghost hide-narrow">
                            Runs
                          </Link>
                          <Link to={`/jobs/${job.id}`} className="btn btn-sm btn-ghost" aria-label={`Edit ${job.name}`}>
                            <Pencil aria-hidden="true" />
                          </Link>
                          {canWrite && (
                            <button
                              type="button"
                              className="btn btn-sm btn-ghost"
                              aria-label={`Delete ${job.name}`}
                              onClick={() => {
                                setDeleteError(null);
                                setDeleting(job);
                              }}
                            >
                              <Trash2 aria-hidden="true" />
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              total={jobs.data.total}
              offset={offset}
              size={PAGE_SIZE}
              onOffset={(o) => setParams(o ? { offset: String(o) } : {}, { replace: true })}
            />
          </>
        )}
      </div>
      {deleting && (
        <ConfirmDialog
          title="Delete this job?"
          message={`"${deleting.name}" will be deleted. Its tests and past runs stay.`}
          confirmLabel="Delete job"
          busy={deleteBusy}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
