/**
 * People in Chromium against the real stack: the first account owns the default project, signing out and in
 * with a password (a cookie session with a CSRF token), an API key shown once and revoked, and an invited
 * viewer who only looks. Its own stack, so "nobody has an account yet" holds whatever ran before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { api } from "./support/app";
import { eventually, launchBrowser, screenshot, type Browser } from "./support/browser";
import { backendServesSpa, ensureBuilt, startProxy, type Proxy } from "./support/spa";
import { startStack, type Stack } from "./support/stack";

const OWNER = { name: "Ada Lovelace", email: "ada@example.com", password: "analytical engine" };

let stack: Stack;
let browser: Browser;
let page: Page;
let appUrl: string;
let proxy: Proxy | null = null;

beforeAll(async () => {
  ensureBuilt();
  stack = await startStack();
  if (await backendServesSpa(stack.baseUrl)) {
    appUrl = stack.baseUrl;
  } else {
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
  await stack?.stop();
}, 180_000);

/** GET /api/auth/me with a key, from outside the browser: the status code only. */
async function keyStatus(key: string): Promise<number> {
  const response = await fetch(`${stack.baseUrl}/api/auth/me`, { headers: { Authorization: `Bearer ${key}` } });
  return response.status;
}

async function signOut(p: Page): Promise<void> {
  await p.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Sign out" }).click();
  await p.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
}

describe("people, sessions and API keys in Chromium", () => {
  it("creates the first account, which owns the default project", async () => {
    await page.goto("/runs");
    await page.getByRole("heading", { name: "Create the first account", exact: true }).waitFor();
    await page.getByLabel("Name").fill(OWNER.name);
    await page.getByLabel("Email").fill(OWNER.email);
    await page.getByLabel("Password").fill(OWNER.password);
    await screenshot(page, "19-first-account");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    expect(await page.getByTestId("project-name").innerText()).toBe("Default Project");
    expect(await page.getByTestId("signed-in-as").innerText()).toContain(OWNER.name);
    await page.getByRole("button", { name: "New project" }).waitFor();
    // The same project the bootstrap key works in, with the new person as its owner.
    const members = await api<{ email: string; role: string }[]>(stack, "GET", "/api/members");
    expect(members).toEqual([expect.objectContaining({ email: OWNER.email, role: "owner" })]);
  });

  it("signs out, then back in with email and password", async () => {
    await signOut(page);
    await page.getByLabel("Email").fill(OWNER.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByText("Wrong email or password.").waitFor();

    await page.getByLabel("Password").fill(OWNER.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
    expect(await page.getByTestId("project-name").innerText()).toBe("Default Project");
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === "supercheck_session")?.httpOnly).toBe(true);
    expect(cookies.find((c) => c.name === "supercheck_csrf")?.httpOnly).toBe(false);
  });

  it("creates an API key, shows it once, and revokes it", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", exact: true }).waitFor();
    await eventually(async () => (await page.getByTestId("api-key-row").count()) === 1, { what: "the bootstrap key" });
    expect(await page.getByTestId("api-key-row").innerText()).toContain("bootstrap admin key");

    await page.getByRole("button", { name: "New API key" }).first().click();
    const create = page.getByRole("dialog", { name: "New API key" });
    await create.getByLabel("Name").fill("e2e viewer key");
    await create.getByLabel("Role").selectOption("viewer");
    await create.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByRole("dialog", { name: "Copy your new API key" });
    await shown.waitFor();
    const key = await shown.getByTestId("new-api-key-value").inputValue();
    expect(key).toMatch(/^sck_/);
    await shown.getByText(/You will not see it again/).waitFor();
    await screenshot(page, "20-new-api-key");
    expect(await keyStatus(key)).toBe(200);
    await shown.getByRole("button", { name: "Done" }).click();
    await shown.waitFor({ state: "detached" });
    expect(await page.content()).not.toContain(key);

    const row = page.getByTestId("api-key-row").filter({ hasText: "e2e viewer key" });
    expect(await row.innerText()).toContain(`${key.slice(0, 12)}…`);
    expect(await row.innerText()).toContain("Active");
    await screenshot(page, "21-api-keys");

    // A cookie-authenticated write without the CSRF token is refused.
    const withoutCsrf = await page.evaluate(async () => {
      const response = await fetch("/api/api-keys", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: "forged", role: "viewer" }),
      });
      return response.status;
    });
    expect(withoutCsrf).toBe(403);

    await page.getByRole("button", { name: "Revoke e2e viewer key" }).click();
    await page.getByRole("dialog", { name: "Revoke this API key?" }).getByRole("button", { name: "Revoke key" }).click();
    await eventually(async () => (await row.innerText()).includes("Revoked"), { what: "the key to show as revoked" });
    expect(await keyStatus(key)).toBe(401);
    const keys = await api<{ name: string; revokedAt: string | null }[]>(stack, "GET", "/api/api-keys");
    expect(keys.find((k) => k.name === "e2e viewer key")?.revokedAt).toBeTruthy();
  });

  it("invites a viewer, who joins from the link and may only look", async () => {
    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("heading", { name: "Members", exact: true }).waitFor();
    await page.getByLabel("Email").fill("grace@example.com");
    await page.getByLabel("Role", { exact: true }).selectOption("viewer");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Send this invitation link" });
    const link = await dialog.getByTestId("invitation-link-value").inputValue();
    expect(link).toContain("/accept-invite?token=");
    await screenshot(page, "22-members-invitation");
    await dialog.getByRole("button", { name: "Done" }).click();
    await page.getByTestId("invitation-row").filter({ hasText: "grace@example.com" }).waitFor();

    const guest = await launchBrowser(appUrl);
    try {
      await guest.page.goto(link);
      await guest.page.getByLabel("Name").fill("Grace Hopper");
      await guest.page.getByLabel("Password").fill("cobol forever");
      await guest.page.getByRole("button", { name: "Join the project" }).click();
      await guest.page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
      expect(await guest.page.getByTestId("read-only-badge").innerText()).toContain("Read-only (viewer)");
      await guest.page.goto("/tests");
      await guest.page.getByRole("heading", { name: "Tests", exact: true }).waitFor();
      expect(await guest.page.getByRole("link", { name: /New performance test/ }).count()).toBe(0);
      await screenshot(guest.page, "23-viewer-tests");
    } finally {
      await guest.close();
    }

    await page.reload();
    await page.getByTestId("member-row").filter({ hasText: "Grace Hopper" }).waitFor();
    expect(await page.getByTestId("invitation-row").count()).toBe(0);
  });

  it("signs out: the session ends on the server too", async () => {
    await signOut(page);
    const status = await page.evaluate(async () => (await fetch("/api/auth/me")).status);
    expect(status).toBe(401);
    await page.goto("/runs");
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/signin");
  });
});
