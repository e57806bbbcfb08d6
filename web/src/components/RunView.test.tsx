import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { act, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { setApiKey } from "../auth/session";
import { FeedableStream, fakeServer } from "../test/fakeServer";
import { json, sse } from "../test/sse";
import { displayLines, RunView } from "./RunView";

const RUN = "11111111-1111-1111-1111-111111111111";
const TEST = "22222222-2222-2222-2222-222222222222";
const base = {
  id: RUN,
  projectId: "p",
  jobId: null,
  testId: TEST,
  trigger: "manual",
  location: "us-east",
  metadata: { source: "playground", testTitle: "Checkout" },
  queueDeadline: null,
  startedAt: "2025-01-01T10:00:00Z",
  completedAt: null,
  durationMs: null,
  errorDetails: null,
  reportUrl: null,
  logsUrl: null,
  streamUrl: `/api/runs/${RUN}/stream`,
  createdAt: "2025-01-01T10:00:00Z",
  updatedAt: "2025-01-01T10:00:00Z",
};
const artifacts = `/api/runs/${RUN}/tests/${TEST}/artifacts`;
const k6Run = {
  id: "k",
  runId: RUN,
  testId: TEST,
  testTitle: "Checkout",
  location: "us-east",
  status: "passed",
  totalRequests: 1234,
  failedRequests: 0,
  requestRate: 41.2,
  avgResponseTimeMs: 3.2,
  p95ResponseTimeMs: 8.1,
  p99ResponseTimeMs: 12.5,
  peakVus: 5,
  checksPassed: 1234,
  checksFailed: 0,
  durationMs: 30000,
  reportUrl: `${artifacts}/index.html`,
  summaryUrl: `${artifacts}/summary.json`,
  consoleUrl: `${artifacts}/console.log`,
  errorDetails: null,
};

beforeEach(() => setApiKey("sck_test"));
afterEach(() => vi.unstubAllGlobals());

describe("RunView", () => {
  it("shows the live console at once, then the status, metrics and sandboxed report when the run ends", async () => {
    const stream = new FeedableStream();
    let finished = false;
    const server = fakeServer({
      [`GET /api/runs/${RUN}`]: () =>
        json(
          finished
            ? { ...base, status: "passed", durationMs: 31000, completedAt: "2025-01-01T10:00:31Z", k6Runs: [k6Run] }
            : { ...base, status: "running", k6Runs: [] },
        ),
      [`GET /api/runs/${RUN}/stream`]: () => stream.response,
      [`GET ${artifacts}/index.html`]: () => new Response("<html><body>k6 report</body></html>"),
    });

    render(
      <MemoryRouter>
        <RunView runId={RUN} />
      </MemoryRouter>,
    );
    expect(await screen.findByText("Running performance test…")).toBeTruthy();
    expect(screen.getByText("Waiting for output…")).toBeTruthy();
    expect(screen.getByRole("button", { name: /Cancel run/ })).toBeTruthy();

    await act(async () => {
      stream.push(sse("console", { lines: ["running (0m01s), 5/5 VUs"], testId: TEST, truncated: false }, 3));
    });
    expect(await screen.findByText("running (0m01s), 5/5 VUs")).toBeTruthy();

    finished = true;
    await act(async () => {
      stream.push(sse("status", { status: "passed", testId: null }, 4));
      stream.push(sse("complete", { status: "passed" }, 4));
    });
    expect(await screen.findByText("Test passed")).toBeTruthy();
    expect(screen.getByTestId("metric-total-requests").textContent).toContain("1,234");
    const frame = (await screen.findByTestId("report-iframe")) as HTMLIFrameElement;
    expect(frame.getAttribute("sandbox")).toBe("allow-scripts");
    expect(frame.getAttribute("srcdoc")).toContain("k6 report");
    expect(screen.queryByRole("button", { name: /Cancel run/ })).toBeNull();

    const authorized = server.calls.filter((r) => r.headers.get("Authorization") === "Bearer sck_test");
    expect(authorized).toHaveLength(server.calls.length);
  });

  it("shows an error run's reason", async () => {
    fakeServer({
      [`GET /api/runs/${RUN}`]: () =>
        json({ ...base, status: "error", errorDetails: "No runner claimed the run before its deadline", k6Runs: [] }),
      [`GET /api/runs/${RUN}/stream`]: () => new Response(sse("complete", { status: "error" })),
    });
    render(
      <MemoryRouter>
        <RunView runId={RUN} />
      </MemoryRouter>,
    );
    expect(await screen.findByText("Test error")).toBeTruthy();
    expect(screen.getByText("No runner claimed the run before its deadline")).toBeTruthy();
  });
});

describe("displayLines", () => {
  it("adds a heading where a job run's output moves to the next test", () => {
    const lines = [
      { text: "a1", testId: "a" },
      { text: "a2", testId: "a" },
      { text: "b1", testId: "b" },
    ];
    expect(displayLines(lines, { a: "Alpha", b: "Beta" }, true)).toEqual(["── Alpha ──", "a1", "a2", "── Beta ──", "b1"]);
    expect(displayLines(lines, {}, false)).toEqual(["a1", "a2", "b1"]);
  });
});
