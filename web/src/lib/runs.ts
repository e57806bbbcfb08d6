import type { RunRead } from "../api/client";

/** What a run is of: the job's name, or the title of the test run from the playground. */
export function runName(run: Pick<RunRead, "metadata" | "k6Runs">): string {
  const meta = (run.metadata ?? {}) as { jobName?: string; testTitle?: string };
  return meta.jobName ?? meta.testTitle ?? run.k6Runs[0]?.testTitle ?? "Run";
}

export function runSource(run: Pick<RunRead, "metadata" | "jobId">): "job" | "playground" {
  const source = (run.metadata as { source?: string } | undefined)?.source;
  if (source === "job" || source === "playground") return source;
  return run.jobId ? "job" : "playground";
}
