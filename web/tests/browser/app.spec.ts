/**
 * The web app in Debian's Chromium against the real stack: sign in, write and run a performance test in the
 * playground (live console, then report and metrics), cancel a run, manage tests, create and run a K6 job,
 * browse runs, at desktop and phone widths. Screenshots of each main page go to test-artifacts/screenshots/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { TEMPLATES } from "../../src/k6/templates";
import { api, editorText, k6Script, metricValue, replaceScript, signIn, waitForReports, waitForRunEnd } from "./support/app";
import { eventually, launchBrowser, screenshot, type Browser } from "./support/browser";
import { backendServesSpa, ensureBuilt, startProxy, type Proxy } from "./support/spa";
import { startStack, type Stack } from "./support/stack";
import { startTarget, type Target } from "./support/target";

let stack: Stack;
let target: Target;
let browser: Browser;
let page: Page;
let appUrl: string;
let proxy: Proxy | null = null;
const ids: { checkout?: string; long?: string; search?: string; job?: string; jobRun?: string } = {};

beforeAll(async () => {
  ensureBuilt();
  [stack, target] = await Promise.all([startStack(), startTarget()]);
  if (await backendServesSpa(stack.baseUrl)) {
    appUrl = stack.baseUrl;
  } else {
    // backend/web.py is not wired into the app yet: serve the same dist and forward the API to the stack.
    console.warn("browser tests: the backend does not serve web/dist yet; using a local stand-in for the files");
    proxy = await startProxy(stack.baseUrl, { serveDist: true });
    appUrl = proxy.url;
  }
  browser = await launchBrowser(appUrl);
  page = browser.page;
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await proxy?.close().catch(() => undefined);
  await target?.close().catch(() => undefined);
  await stack?.stop();
}, 180_000);

describe("Supercheck Performance in Chromium", () => {
  it("offers the first account or the API key, then opens the app", async () => {
    await page.goto("/runs");
    // Nobody has an account yet (the stack only has its bootstrap key): the first one can be created here.
    await page.getByRole("heading", { name: "Create the first account", exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/signin");
    await screenshot(page, "01-sign-in");

    await page.getByRole("button", { name: "Sign in with an API key" }).click();
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await page.getByLabel("API key").fill("sck_not_the_key");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("That API key was not accepted.").waitFor();

    await signIn(page, stack);
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    await page.getByText("No runs yet").waitFor();
    await screenshot(page, "02-runs-empty");
  });

  it("offers templates for every common load shape that the backend accepts", async () => {
    for (const template of TEMPLATES) {
      const result = await api<{ valid: boolean; errors: unknown[] }>(stack, "POST", "/api/tests/validate", {
        script: template.script,
        type: "performance",
      });
      expect(result, template.id).toMatchObject({ valid: true, errors: [] });
    }
  });

  it("has the Create menu with the Performance Test in purple", async () => {
    const link = page.getByRole("link", { name: "Performance Test", exact: true });
    for (const name of ["Browser Test", "API Test", "Database Test", "Custom Test", "Performance Test"]) {
      expect(await page.getByRole("link", { name, exact: true }).count()).toBe(1);
    }
    const color = await link.locator("svg").evaluate((el) => getComputedStyle(el).color);
    expect(color).toBe("rgb(124, 58, 237)");
    await link.click();
    await page.waitForURL(/\/playground\?scriptType=performance/);
  });

  it("writes a performance test in the playground with problems shown as you type", async () => {
    await page.locator(".cm-content").first().waitFor();
    expect(await editorText(page)).toContain("https://your-service.example.com/");
    expect(await editorText(page)).toContain("vus: 10");
    await page.getByText("Script is valid").waitFor();
    await screenshot(page, "03-playground-editor");

    await page.getByLabel("Template").selectOption("smoke");
    expect(await editorText(page)).toContain("Smoke test");

    await replaceScript(page, "import http from 'k6/http';\nimport fs from 'fs';\n");
    await page.getByText("Script must export a default function").waitFor();
    await page.getByText(/k6 does not support Node.js module "fs"/).waitFor();
    await page.locator(".cm-lintRange-error").first().waitFor();
    await screenshot(page, "04-playground-validation");

    await replaceScript(page, k6Script(`${target.url}/checkout`, "8s"));
    await page.getByText("Script is valid").waitFor({ timeout: 20_000 });
    await page.getByLabel("Test title").fill("Checkout load (e2e)");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForURL(/testId=/);
    await page.getByText("Saved", { exact: true }).waitFor();
    ids.checkout = new URL(page.url()).searchParams.get("testId") ?? undefined;
    const saved = await api<{ title: string; script: string; type: string }>(stack, "GET", `/api/tests/${ids.checkout}`);
    expect(saved).toMatchObject({ title: "Checkout load (e2e)", type: "performance" });
    expect(saved.script).toContain(`${target.url}/checkout`);
  });

  it("runs it: location dialog, live console at once, then the report and the metrics", async () => {
    const hitsBefore = target.hits();
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Select Execution Location" });
    await dialog.waitFor();
    const usEast = dialog.getByRole("radio", { name: /US East/ });
    await eventually(() => usEast.isEnabled(), { what: "a runner in us-east" });
    await usEast.check();
    await dialog.getByText(/1 runner/).first().waitFor();
    await screenshot(page, "05-location-dialog");
    await dialog.getByRole("button", { name: "Run Test" }).click();

    // The Report tab opens at once with the console, not a spinner-only screen.
    await page.getByRole("tab", { name: "Report" }).and(page.locator('[aria-selected="true"]')).waitFor();
    await page.getByTestId("console-body").waitFor();
    const whileRunning = await eventually(
      async () => {
        const lines = await page.getByTestId("console-line").count();
        const status = await page.getByTestId("run-view").getAttribute("data-status");
        return lines > 0 && (status === "running" || status === "queued") ? { lines, status } : null;
      },
      { timeoutMs: 60_000, what: "console lines while the run is running" },
    );
    expect(whileRunning.lines).toBeGreaterThan(0);
    await page.getByRole("button", { name: /Cancel run/ }).waitFor();
    await screenshot(page, "06-playground-live-console");

    await waitForRunEnd(page, "passed");
    await page.getByText("Test passed").waitFor();
    await waitForReports(page, 1);
    expect(await page.getByTestId("report-iframe").getAttribute("sandbox")).toBe("allow-scripts");
    const total = Number((await metricValue(page, "total-requests")).replace(/[^0-9]/g, ""));
    expect(total).toBeGreaterThan(0);
    expect(target.hits() - hitsBefore).toBeGreaterThanOrEqual(total);
    expect(await page.locator('[data-testid="metric-failed-requests"].alert-metric').count()).toBe(0);
    await screenshot(page, "07-playground-report");
  });

  it("cancels a running test", async () => {
    const long = await api<{ id: string }>(stack, "POST", "/api/tests", {
      title: "Long soak (e2e)",
      type: "performance",
      script: k6Script(`${target.url}/soak`, "90s", 1),
    });
    ids.long = long.id;
    await page.goto(`/playground?scriptType=performance&testId=${long.id}`);
    await eventually(async () => (await page.getByLabel("Test title").inputValue()) === "Long soak (e2e)", {
      what: "the test to open",
    });
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Select Execution Location" });
    await eventually(() => dialog.getByRole("button", { name: "Run Test" }).isEnabled(), { what: "Run Test" });
    await dialog.getByRole("button", { name: "Run Test" }).click();
    await eventually(async () => (await page.getByTestId("console-line").count()) > 0, {
      timeoutMs: 60_000,
      what: "console output",
    });
    await page.getByRole("button", { name: /Cancel run/ }).click();
    await waitForRunEnd(page, "cancelled", 90_000);
    await page.getByText("Test cancelled").waitFor();
  });

  it("lists tests with type badges and search, and hides type and priority for performance tests", async () => {
    await page.goto("/tests/new?type=browser");
    await page.getByLabel("Title").fill("Login page (browser e2e)");
    expect(await page.getByLabel("Test Type").inputValue()).toBe("browser");
    expect(await page.getByLabel("Priority").count()).toBe(1);
    await screenshot(page, "08-test-form-browser");
    await page.getByRole("button", { name: "Create test" }).click();
    await page.getByRole("heading", { name: "Tests", exact: true }).waitFor();
    await eventually(async () => (await page.getByTestId("test-row").count()) === 3, { what: "three tests" });
    const badges = await page.getByTestId("test-row").locator(".badge").allInnerTexts();
    expect(badges).toEqual(expect.arrayContaining(["Browser", "Performance"]));
    await screenshot(page, "09-tests-list");

    await page.getByLabel("Search tests").fill("Checkout");
    await eventually(async () => (await page.getByTestId("test-row").count()) === 1, { what: "the search" });
    expect(await page.getByTestId("test-row").innerText()).toContain("Checkout load (e2e)");

    await page.getByRole("link", { name: "Checkout load (e2e)", exact: true }).click();
    await page.getByRole("heading", { name: "Checkout load (e2e)" }).waitFor();
    await page.getByLabel("Title").waitFor();
    expect(await page.getByLabel("Test Type").count()).toBe(0);
    expect(await page.getByLabel("Priority").count()).toBe(0);
    await screenshot(page, "10-test-form-performance");
  });

  it("creates a K6 job whose test list leaves out the browser test, and runs it", async () => {
    const search = await api<{ id: string }>(stack, "POST", "/api/tests", {
      title: "Search spike (e2e)",
      type: "performance",
      script: k6Script(`${target.url}/search`, "4s"),
    });
    ids.search = search.id;

    await page.goto("/jobs");
    await page.getByText("No jobs yet").waitFor();
    await page.getByRole("link", { name: "New job" }).click();
    await page.getByLabel("Name").fill("Nightly load (e2e)");

    await page.getByLabel("Job Type").selectOption("playwright");
    await page.getByText("(1 available)").waitFor();
    await page.getByRole("checkbox", { name: /Login page/ }).check();
    expect(await page.getByLabel("Execution Location").count()).toBe(0);

    await page.getByLabel("Job Type").selectOption("k6");
    await page.getByText("(3 available)").waitFor();
    const list = page.getByTestId("job-test-list");
    expect(await list.getByText("Login page (browser e2e)").count()).toBe(0);
    expect(await page.getByTestId("selected-count").innerText()).toContain("0 selected");
    await page.getByLabel("Execution Location").selectOption("us-east");
    await list.getByRole("checkbox", { name: /Checkout load/ }).check();
    await list.getByRole("checkbox", { name: /Search spike/ }).check();
    await screenshot(page, "11-job-form");
    await page.getByRole("button", { name: "Create job" }).click();
    await page.getByRole("heading", { name: "Nightly load (e2e)" }).waitFor();
    ids.job = new URL(page.url()).pathname.split("/").pop();

    await page.goto("/jobs");
    await page.getByTestId("job-row").first().waitFor();
    expect(await page.getByTestId("job-row").innerText()).toContain("K6 Performance");
    await screenshot(page, "12-jobs-list");

    await page.getByRole("button", { name: "Run Nightly load (e2e)" }).click();
    const dialog = page.getByRole("dialog", { name: 'Run "Nightly load (e2e)"' });
    await eventually(() => dialog.getByRole("button", { name: "Run Job" }).isEnabled(), { what: "Run Job" });
    await dialog.getByRole("button", { name: "Run Job" }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]+$/);
    ids.jobRun = new URL(page.url()).pathname.split("/").pop();
  });

  it("shows the job run: name, location and status badges, live console, then per-test results", async () => {
    await page.getByRole("heading", { name: "Nightly load (e2e)" }).waitFor();
    expect(await page.getByTestId("location-badge").first().innerText()).toContain("US East");
    await page.getByTestId("status-badge").first().waitFor();
    await eventually(async () => (await page.getByTestId("console-line").count()) > 0, {
      timeoutMs: 60_000,
      what: "console output of the job run",
    });
    await screenshot(page, "13-run-detail-live");

    await waitForRunEnd(page, "passed");
    await eventually(async () => (await page.getByTestId("test-result").count()) === 2, { what: "two test sections" });
    const sections = await page.getByTestId("test-result").allInnerTexts();
    expect(sections[0]).toContain("Checkout load (e2e)");
    expect(sections[1]).toContain("Search spike (e2e)");
    const totals = await page.locator('[data-testid="metric-total-requests"] .metric-value').allInnerTexts();
    expect(totals.map((t) => Number(t.replace(/[^0-9]/g, ""))).every((n) => n > 0)).toBe(true);
    await waitForReports(page, 2);
    await page.getByText("Job run passed").waitFor();

    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "summary.json" }).first().click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/summary\.json$/);
    const stream = await file.createReadStream();
    let text = "";
    for await (const chunk of stream) text += chunk;
    expect(JSON.parse(text)).toHaveProperty("metrics");
    await screenshot(page, "14-run-detail-report");
  });

  it("lists runs with status, location, job or test and duration, and filters them", async () => {
    await page.goto("/runs");
    await eventually(async () => (await page.getByTestId("run-row").count()) === 3, { what: "three runs" });
    const text = await page.locator("table").innerText();
    expect(text).toContain("Nightly load (e2e)");
    expect(text).toContain("Checkout load (e2e)");
    expect(text).toContain("US East");
    await screenshot(page, "15-runs-list");

    await page.getByLabel("Status").selectOption("cancelled");
    await eventually(async () => (await page.getByTestId("run-row").count()) === 1, { what: "the status filter" });
    expect(await page.getByTestId("run-row").innerText()).toContain("Long soak (e2e)");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await eventually(async () => (await page.getByTestId("run-row").count()) === 3, { what: "all runs again" });
  });

  it("can be used from the keyboard", async () => {
    await page.goto("/runs");
    await page.getByTestId("run-row").first().waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("Supercheck Performance");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("Create");
  });

  it("works at a phone's width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/runs");
    await page.getByTestId("run-row").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, "16-phone-runs");
    await page.getByRole("button", { name: "Open menu" }).click();
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("heading", { name: "Jobs", exact: true }).waitFor();
    await page.goto(`/runs/${ids.jobRun}`);
    await waitForReports(page, 2);
    await screenshot(page, "17-phone-run-detail");
    await page.goto("/playground?scriptType=performance");
    await page.locator(".cm-content").first().waitFor();
    await screenshot(page, "18-phone-playground");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("returns to sign-in when the key stops working", async () => {
    await page.goto("/tests");
    await page.getByRole("heading", { name: "Tests", exact: true }).waitFor();
    await page.evaluate(() => sessionStorage.setItem("supercheck.apiKey", "sck_revoked"));
    await page.goto("/jobs");
    await page.getByText(/Your session ended/).waitFor();
    expect(new URL(page.url()).pathname).toBe("/signin");
    expect(new URL(page.url()).searchParams.get("next")).toBe("/jobs");
  });

  it("keeps the live console through a dropped connection, resuming where it stopped", async () => {
    // A front that can cut the stream: the stack's own SPA behind it, or the stand-in that already is one.
    const flaky = proxy ?? (await startProxy(stack.baseUrl, { serveDist: false }));
    const before = flaky.streamRequests.length;
    const test = await api<{ id: string }>(stack, "POST", "/api/tests", {
      title: "Flaky network (e2e)",
      type: "performance",
      script: k6Script(`${target.url}/flaky`, "10s", 1),
    });
    const main = page;
    page = await browser.context.newPage();
    try {
      await page.goto(`${flaky.url}/playground?scriptType=performance&testId=${test.id}`);
      await signIn(page, stack);
      await eventually(async () => (await page.getByLabel("Test title").inputValue()) === "Flaky network (e2e)", {
        what: "the test to open",
      });
      await page.getByRole("button", { name: "Run", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Select Execution Location" });
      await eventually(() => dialog.getByRole("button", { name: "Run Test" }).isEnabled(), { what: "Run Test" });
      await dialog.getByRole("button", { name: "Run Test" }).click();
      await eventually(async () => (await page.getByText(/^running \(0[2-9]/).count()) > 0, {
        timeoutMs: 60_000,
        what: "a few seconds of console output",
      });
      expect(flaky.dropStreams()).toBeGreaterThan(0);
      await waitForRunEnd(page, "passed");

      const requests = flaky.streamRequests.slice(before);
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests[0]).toBe("");
      expect(Number(requests.at(-1))).toBeGreaterThan(0); // resumed after the last event it had
      const lines = await page.getByTestId("console-line").allTextContents();
      const progress = lines.filter((line) => line.startsWith("running ("));
      expect(progress.length).toBeGreaterThan(5);
      expect(new Set(progress).size).toBe(progress.length); // nothing repeated after the resume
      expect(lines.filter((line) => line.startsWith("▶ ")).length).toBe(1);
    } finally {
      await page.close();
      page = main;
      if (flaky !== proxy) await flaky.close();
    }
  });
});
