/** What the browser tests do again and again: API calls, editor input, waiting for runs and reports. */
import type { Page } from "playwright-core";
import { eventually } from "./browser";
import type { Stack } from "./stack";

export function k6Script(url: string, duration: string, vus = 2): string {
  return `import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = {
  vus: ${vus},
  duration: '${duration}',
  thresholds: { http_req_failed: ['rate<0.1'] },
};

export default function () {
  const res = http.get('${url}');
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.5);
}
`;
}

export async function api<T>(stack: Stack, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${stack.apiKey}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Signs in with the stack's bootstrap API key (the sign-in page's second way in). */
export async function signIn(page: Page, stack: Stack): Promise<void> {
  const keyField = page.getByLabel("API key");
  const useKey = page.getByRole("button", { name: "Sign in with an API key" });
  await keyField.or(useKey).first().waitFor();
  if (!(await keyField.isVisible())) await useKey.click();
  await keyField.fill(stack.apiKey);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Replaces the CodeMirror document by typing into it, as a user pasting a script. */
export async function replaceScript(page: Page, text: string): Promise<void> {
  const content = page.locator(".cm-content").first();
  await content.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

export async function editorText(page: Page): Promise<string> {
  return page.locator(".cm-content").first().innerText();
}

export async function metricValue(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-testid="metric-${name}"] .metric-value`).first().textContent()) ?? "";
}

/** Every k6 report on the page has rendered (its scripts run inside the sandbox). */
export async function waitForReports(page: Page, count: number): Promise<void> {
  await eventually(async () => (await page.getByTestId("report-iframe").count()) === count, {
    what: `${count} report frame(s)`,
  });
  for (const handle of await page.getByTestId("report-iframe").elementHandles()) {
    const frame = await handle.contentFrame();
    await eventually(async () => (await frame!.evaluate(() => document.body?.innerText ?? "")).includes("Overview"), {
      what: "the k6 report to render",
    });
    // Let the report's charts paint before a screenshot is taken.
    await handle.scrollIntoViewIfNeeded();
    await page.waitForTimeout(750);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

export async function waitForRunEnd(page: Page, expected: string, timeoutMs = 150_000): Promise<void> {
  await eventually(
    async () => {
      const status = await page.getByTestId("run-view").getAttribute("data-status");
      if (status && ["passed", "failed", "error", "cancelled"].includes(status) && status !== expected) {
        const reason = await page.getByTestId("run-status-header").innerText();
        throw new Error(`run ended ${status}, expected ${expected}: ${reason}`);
      }
      return status === expected;
    },
    { timeoutMs, intervalMs: 500, what: `the run to end ${expected}` },
  );
}
