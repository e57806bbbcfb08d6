/** "Run" on a K6 job: pick the location (the job's own preselected), trigger, open the run. */
import { useState } from "react";
import { useNavigate } from "react-router";
import { Play } from "lucide-react";
import { api, type JobRead } from "../api/client";
import { useCan } from "../auth/SessionProvider";
import { LocationDialog } from "./LocationDialog";

export function RunJobButton({ job, small = false }: { job: JobRead; small?: boolean }) {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const canRun = useCan("runs:trigger");
  const runnable = job.jobType === "k6" && job.tests.length > 0;
  const why =
    job.jobType !== "k6"
      ? "Playwright jobs do not run in this installation"
      : job.tests.length === 0
        ? "Add at least one performance test first"
        : undefined;

  async function run(location: string, queueIfUnavailable: boolean) {
    const created = await api.triggerJobRun(job.id, { location, queueIfUnavailable });
    setOpen(false);
    navigate(`/runs/${created.id}`);
  }

  if (!canRun) return null;
  return (
    <>
      <button
        type="button"
        className={`btn btn-run${small ? " btn-sm" : ""}`}
        disabled={!runnable}
        title={why}
        aria-label={small ? `Run ${job.name}` : undefined}
        onClick={() => setOpen(true)}
      >
        <Play aria-hidden="true" /> Run
      </button>
      {open && (
        <LocationDialog
          title={`Run "${job.name}"`}
          confirmLabel="Run Job"
          defaultLocation={job.location}
          onClose={() => setOpen(false)}
          onConfirm={run}
        />
      )}
    </>
  );
}
