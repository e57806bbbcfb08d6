import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { project, renderSignedIn, sessionInfo } from "../test/session";
import { json } from "../test/sse";
import { getProjectId } from "../auth/session";
import { pageAfterSwitch } from "./ProjectSwitcher";

afterEach(() => vi.unstubAllGlobals());

const alpha = project("aaaaaaaa-0000-0000-0000-000000000001", "Alpha");
const beta = project("bbbbbbbb-0000-0000-0000-000000000002", "Beta");
const now = "2025-01-01T10:00:00Z";
const testIn = (projectId: string | null) => ({
  id: `t-${projectId}`,
  title: projectId === beta.id ? "Beta checkout" : "Alpha checkout",
  description: null,
  type: "performance",
  priority: null,
  tags: [],
  script: "",
  createdAt: now,
  updatedAt: now,
});

describe("the project switcher", () => {
  it("sends X-Project-Id, remembers the choice and reloads the page's data for the new project", async () => {
    localStorage.setItem("supercheck.projectId", alpha.id);
    const projects = [alpha, beta];
    const { server } = renderSignedIn("/tests", {
      "GET /api/auth/me": (request) => {
        const current = request.headers.get("X-Project-Id") === beta.id ? beta : alpha;
        return json(sessionInfo(current === beta ? "viewer" : "owner", current, projects));
      },
      "GET /api/tests": (request) => json({ items: [testIn(request.headers.get("X-Project-Id"))], total: 1, limit: 25, offset: 0 }),
    });
    expect(await screen.findByText("Alpha checkout")).toBeTruthy();
    expect(screen.getByRole("link", { name: /New performance test/ })).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Project"), { target: { value: beta.id } });
    expect(await screen.findByText("Beta checkout")).toBeTruthy();
    expect(getProjectId()).toBe(beta.id);
    const me = server.calls.filter((r) => new URL(r.url).pathname === "/api/auth/me").at(-1)!;
    expect(me.headers.get("X-Project-Id")).toBe(beta.id);
    // The role is per project: a viewer in Beta.
    await waitFor(() => expect(screen.queryByRole("link", { name: /New performance test/ })).toBeNull());
    expect((screen.getByLabelText("Project") as HTMLSelectElement).value).toBe(beta.id);
  });

  it("creates a project (owners only) and switches to it", async () => {
    const gamma = project("cccccccc-0000-0000-0000-000000000003", "Gamma");
    let created = false;
    const { server } = renderSignedIn("/runs", {
      "GET /api/auth/me": (request) =>
        json(
          request.headers.get("X-Project-Id") === gamma.id && created
            ? sessionInfo("owner", gamma, [alpha, gamma])
            : sessionInfo("owner", alpha, created ? [alpha, gamma] : [alpha]),
        ),
      "POST /api/projects": () => {
        created = true;
        return json(gamma, 201);
      },
      "GET /api/runs": () => json({ items: [], total: 0, limit: 25, offset: 0 }),
      "GET /api/locations": () => json([]),
      "GET /api/jobs": () => json({ items: [], total: 0, limit: 100, offset: 0 }),
    });
    fireEvent.click(await screen.findByRole("button", { name: "New project" }));
    fireEvent.change(screen.getByLabelText("Project name"), { target: { value: "Gamma" } });
    fireEvent.click(screen.getByRole("button", { name: "Create project" }));
    await waitFor(() => expect(getProjectId()).toBe(gamma.id));
    expect(await screen.findByRole("option", { name: "Gamma" })).toBeTruthy();
    const post = server.calls.find((r) => new URL(r.url).pathname === "/api/projects")!;
    expect(await post.clone().json()).toEqual({ name: "Gamma" });
  });

  it("forgets a stored project the user no longer belongs to, and opens their first one", async () => {
    localStorage.setItem("supercheck.projectId", "gone-project");
    const { server } = renderSignedIn("/tests", {
      "GET /api/auth/me": (request) =>
        request.headers.get("X-Project-Id") === "gone-project"
          ? json({ status: 404, detail: "Project not found" }, 404)
          : json(sessionInfo("owner", alpha, [alpha])),
      "GET /api/tests": () => json({ items: [testIn(alpha.id)], total: 1, limit: 25, offset: 0 }),
    });
    expect(await screen.findByText("Alpha checkout")).toBeTruthy();
    expect(getProjectId()).toBe(alpha.id);
    const tests = server.calls.find((r) => new URL(r.url).pathname === "/api/tests")!;
    expect(tests.headers.get("X-Project-Id")).toBe(alpha.id);
  });

  it("offers no New project to an admin", async () => {
    renderSignedIn("/runs", {
      "GET /api/runs": () => json({ items: [], total: 0, limit: 25, offset: 0 }),
      "GET /api/locations": () => json([]),
      "GET /api/jobs": () => json({ items: [], total: 0, limit: 100, offset: 0 }),
    }, sessionInfo("admin"));
    expect(await screen.findByTestId("project-name")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New project" })).toBeNull();
  });

  it("leaves a record of the old project for its list", () => {
    expect(pageAfterSwitch("/runs/123", "")).toBe("/runs");
    expect(pageAfterSwitch("/tests/new", "?type=api")).toBe("/tests");
    expect(pageAfterSwitch("/runs", "?jobId=j1")).toBe("/runs");
    expect(pageAfterSwitch("/playground", "?scriptType=api&testId=t1")).toBe("/playground?scriptType=api");
    expect(pageAfterSwitch("/settings/members", "")).toBe("/settings/members");
  });
});
