import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen } from "@testing-library/react";
import { DEFAULT_PROJECT, renderSignedIn, sessionInfo } from "../../test/session";
import { json } from "../../test/sse";

afterEach(() => vi.unstubAllGlobals());

describe("project settings", () => {
  it("sends only what an admin changed, and refuses a quota above the platform's ceiling before sending it", async () => {
    const bodies: unknown[] = [];
    renderSignedIn("/settings/project", {
      "GET /api/project": () => json({ ...DEFAULT_PROJECT, role: "admin" }),
      "PATCH /api/project": async (request) => {
        const body = (await request.clone().json()) as { maxVus?: number };
        bodies.push(body);
        if ((body.maxVus ?? 0) > 500) return json({ status: 400, detail: "maxVus may be at most 500 (the platform's ceiling)" }, 400);
        return json({ ...DEFAULT_PROJECT, role: "admin", quotas: { ...DEFAULT_PROJECT.quotas, maxVus: body.maxVus } });
      },
    }, sessionInfo("admin"));
    const vus = await screen.findByLabelText("Max virtual users per test");
    expect(document.body.textContent).toContain("At most 500 (the platform's ceiling)");
    fireEvent.change(vus, { target: { value: "5000" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toContain("at most 500");

    fireEvent.change(vus, { target: { value: "50" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Saved.")).toBeTruthy();
    expect(bodies).toEqual([{ maxVus: 50 }]); // 5000 never left the browser
  });

  it("is read-only for an editor", async () => {
    renderSignedIn("/settings/project", { "GET /api/project": () => json({ ...DEFAULT_PROJECT, role: "editor" }) }, sessionInfo("editor"));
    expect((await screen.findByTestId("project-settings-name")).textContent).toBe("Default project");
    expect(screen.queryByRole("button", { name: "Save changes" })).toBeNull();
    expect(screen.getByText(/Only admins and owners change the project/)).toBeTruthy();
  });
});
