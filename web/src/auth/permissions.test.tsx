import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import { FeedableStream } from "../test/fakeServer";
import { renderSignedIn, sessionInfo } from "../test/session";
import { json } from "../test/sse";

afterEach(() => vi.unstubAllGlobals());

const now = "2025-01-01T10:00:00Z";
const test = { id: "t1", title: "Checkout load", description: null, type: "performance", priority: null, tags: [], script: "", createdAt: now, updatedAt: now };
const job = { id: "j1", name: "Nightly", description: null, jobType: "k6", location: "us-east", tests: [test], testIds: ["t1"], createdAt: now, updatedAt: now };
const list = <T,>(items: T[]) => () => json({ items, total: items.length, limit: 25, offset: 0 });

describe("a viewer", () => {
  it("sees tests but no way to create, delete or change them, and a read-only badge", async () => {
    renderSignedIn("/tests", { "GET /api/tests": list([test]) }, sessionInfo("viewer"));
    expect(await screen.findByText("Checkout load")).toBeTruthy();
    expect(screen.queryByRole("link", { name: /New performance test/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete Checkout load" })).toBeNull();
    const sidebar = screen.getByRole("navigation", { name: "Main" });
    expect(within(sidebar).queryByRole("button", { name: /Create/ })).toBeNull();
    expect(within(sidebar).getByTestId("read-only-badge").textContent).toContain("Read-only (viewer)");
    expect(within(sidebar).queryByRole("link", { name: "API keys" })).toBeNull();
  });

  it("sees jobs without New job, Run or Delete", async () => {
    renderSignedIn("/jobs", { "GET /api/jobs": list([job]) }, sessionInfo("viewer"));
    expect(await screen.findByText("Nightly")).toBeTruthy();
    expect(screen.queryByRole("link", { name: /New job/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Run Nightly" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete Nightly" })).toBeNull();
  });

  it("opens a test in the playground without Save or Run", async () => {
    renderSignedIn("/playground?scriptType=performance&testId=t1", {
      "GET /api/tests/t1": () => json({ ...test, script: "export default function () {}" }),
      "POST /api/tests/validate": () => json({ valid: true, errors: [], warnings: [] }),
    }, sessionInfo("viewer"));
    expect(await screen.findByDisplayValue("Checkout load")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Run" })).toBeNull();
    expect(screen.getAllByText(/Read-only/).length).toBeGreaterThan(0);
  });
});

describe("a viewer watching a run", () => {
  it("sees the live console but no Cancel run", async () => {
    const stream = new FeedableStream();
    const run = {
      id: "r1", projectId: "p", jobId: null, testId: "t1", trigger: "manual", location: "us-east", status: "running",
      metadata: { source: "playground", testTitle: "Checkout load" }, queueDeadline: null, startedAt: now,
      completedAt: null, durationMs: null, errorDetails: null, reportUrl: null, logsUrl: null,
      streamUrl: "/api/runs/r1/stream", createdAt: now, updatedAt: now, k6Runs: [],
    };
    renderSignedIn("/runs/r1", { "GET /api/runs/r1": () => json(run), "GET /api/runs/r1/stream": () => stream.response }, sessionInfo("viewer"));
    expect(await screen.findByText("Running performance test…")).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Cancel run/ })).toBeNull();
    stream.end();
  });
});

describe("an editor", () => {
  it("creates, runs and deletes, and has no settings to manage", async () => {
    renderSignedIn("/jobs", { "GET /api/jobs": list([job]) }, sessionInfo("editor"));
    expect(await screen.findByRole("button", { name: "Run Nightly" })).toBeTruthy();
    expect(screen.getByRole("link", { name: /New job/ })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Delete Nightly" })).toBeTruthy();
    expect(screen.queryByTestId("read-only-badge")).toBeNull();
    expect(screen.queryByRole("link", { name: "API keys" })).toBeNull();
  });
});
