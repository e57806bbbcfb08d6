/** /jobs/new and /jobs/:id: the job form with the project's tests and the live location catalogue. */
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ArrowLeft } from "lucide-react";
import { api, type JobRead } from "../api/client";
import { errorMessage, incompatibleTestsOf } from "../api/errors";
import { useCan } from "../auth/SessionProvider";
import { JobTypeBadge } from "../components/Badges";
import { JobForm, type JobFormValues } from "../components/JobForm";
import { PageHeader } from "../components/PageHeader";
import { RunJobButton } from "../components/RunJobButton";
import { ErrorState, Loading } from "../components/States";
import { useAsync } from "../hooks/useAsync";

export function JobEditPage() {
  const { jobId } = useParams();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<JobRead | null>(null);
  const canWrite = useCan("tests:write");

  const data = useAsync(
    async (signal) => {
      const [tests, job] = await Promise.all([
        api.listAllTests({}, signal),
        jobId ? api.getJob(jobId) : Promise.resolve(null),
      ]);
      return { tests, job };
    },
    [jobId],
  );
  // The catalogue is optional for the form: without it, the stored location is shown as is.
  const locations = useAsync((signal) => api.listLocations(signal), []);

  async function submit(values: JobFormValues) {
    setError(null);
    const body = {
      name: values.name,
      description: values.description || null,
      jobType: values.jobType,
      location: values.location,
      testIds: values.testIds,
    };
    try {
      const job = jobId ? await api.updateJob(jobId, body) : await api.createJob(body);
      setSaved(job);
      navigate(`/jobs/${job.id}`, { replace: true });
      if (!jobId) return;
      data.reload();
    } catch (err) {
      const bad = incompatibleTestsOf(err);
      setError(bad.length ? `${errorMessage(err)}: ${bad.map((t) => t.title).join(", ")}` : errorMessage(err));
    }
  }

  const back = (
    <Link to="/jobs" className="backlink">
      <ArrowLeft aria-hidden="true" width={14} height={14} /> Jobs
    </Link>
  );
  if (data.loading && !data.data) return <Loading label="Loading…" />;
  if (data.error != null || !data.data)
    return (
      <div className="page">
        {back}
        <ErrorState error={data.error} onRetry={data.reload} title="The job could not be loaded" />
      </div>
    );

  const job = saved && saved.id === jobId ? saved : data.data.job;
  const initial: JobFormValues = job
    ? {
        name: job.name,
        description: job.description ?? "",
        jobType: job.jobType,
        location: job.location,
        testIds: job.testIds,
      }
    : { name: "", description: "", jobType: "k6", location: locations.data?.[0]?.code ?? "us-east", testIds: [] };

  return (
    <div className="page">
      <PageHeader
        back={back}
        title={job ? job.name : "New job"}
        badges={job && <JobTypeBadge type={job.jobType} />}
        actions={
          job && (
            <>
              <Link to={`/runs?jobId=${job.id}`} className="btn">
                Runs
              </Link>
              {job.jobType === "k6" && <RunJobButton job={job} />}
            </>
          )
        }
      />
      {saved && saved.id === jobId && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
      <JobForm
        key={`${job?.id ?? "new"}-${job?.updatedAt ?? ""}`}
        initial={initial}
        tests={data.data.tests}
        locations={locations.data ?? null}
        onSubmit={submit}
        error={error}
        submitLabel={job ? "Save changes" : "Create job"}
        readOnly={!canWrite}
      />
    </div>
  );
}
