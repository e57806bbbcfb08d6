import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { renderSignedIn, sessionInfo } from "../../test/session";
import { json } from "../../test/sse";

afterEach(() => vi.unstubAllGlobals());

const now = "2025-01-01T10:00:00Z";
const ada = { userId: "user-1", email: "ada@example.com", name: "Ada Lovelace", role: "owner", createdAt: now };
const bob = { userId: "user-2", email: "bob@example.com", name: "Bob", role: "viewer", createdAt: now };
const pending = { id: "inv-1", email: "carol@example.com", role: "editor", createdAt: now, expiresAt: "2025-01-08T10:00:00Z" };

function memberRows() {
  return screen.getAllByTestId("member-row");
}

describe("members", () => {
  it("adds an existing user, and offers an invitation when there is no such user", async () => {
    const { server } = renderSignedIn("/settings/members", {
      "GET /api/members": () => json([ada]),
      "GET /api/invitations": () => json([]),
      "POST /api/members": async (request) => {
        const body = (await request.clone().json()) as { email: string; role: string };
        if (body.email === "bob@example.com") return json({ ...bob, role: body.role }, 201);
        return json({ status: 404, detail: "No user with this email; send an invitation" }, 404);
      },
      "POST /api/invitations": async (request) => {
        const body = (await request.clone().json()) as { email: string; role: string };
        return json({ ...pending, email: body.email, role: body.role, token: "tok en/1" }, 201);
      },
    });
    expect(await screen.findByText("Ada Lovelace")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "bob@example.com" } });
    fireEvent.change(screen.getByLabelText("Role"), { target: { value: "viewer" } });
    fireEvent.click(screen.getByRole("button", { name: "Add member" }));
    await waitFor(() => expect(memberRows()).toHaveLength(2));
    expect(memberRows()[1]!.textContent).toContain("Bob");

    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "dave@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Add member" }));
    expect((await screen.findByRole("alert")).textContent).toContain("No user with this email; send an invitation");
    fireEvent.click(screen.getByRole("button", { name: /Send an invitation instead/ }));

    const dialog = await screen.findByRole("dialog", { name: "Send this invitation link" });
    expect((within(dialog).getByTestId("invitation-link-value") as HTMLInputElement).value).toBe(
      `${location.origin}/accept-invite?token=tok%20en%2F1`,
    );
    fireEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(screen.getByTestId("invitation-row").textContent).toContain("dave@example.com");
    const invite = server.calls.find((r) => new URL(r.url).pathname === "/api/invitations" && r.method === "POST")!;
    expect(await invite.clone().json()).toEqual({ email: "dave@example.com", role: "viewer" });
  });

  it("invites by email and role, and revokes a pending invitation", async () => {
    const { server } = renderSignedIn("/settings/members", {
      "GET /api/members": () => json([ada]),
      "GET /api/invitations": () => json([pending]),
      "POST /api/invitations": () => json({ ...pending, id: "inv-2", email: "erin@example.com", role: "admin", token: "abc" }, 201),
      "DELETE /api/invitations/inv-1": () => new Response(null, { status: 204 }),
    });
    expect(await screen.findByText("carol@example.com")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "erin@example.com" } });
    fireEvent.change(screen.getByLabelText("Role"), { target: { value: "admin" } });
    fireEvent.click(screen.getByRole("button", { name: "Invite" }));
    const dialog = await screen.findByRole("dialog", { name: "Send this invitation link" });
    expect(dialog.textContent).toContain("You will not see it again");
    fireEvent.click(within(dialog).getByRole("button", { name: "Done" }));
    expect(screen.getAllByTestId("invitation-row")).toHaveLength(2);

    fireEvent.click(screen.getByRole("button", { name: "Revoke the invitation of carol@example.com" }));
    await waitFor(() => expect(screen.getAllByTestId("invitation-row")).toHaveLength(1));
    expect(server.calls.some((r) => r.method === "DELETE" && new URL(r.url).pathname === "/api/invitations/inv-1")).toBe(true);
  });

  it("changes a member's role, and shows why the server refused one", async () => {
    let calls = 0;
    const { server } = renderSignedIn("/settings/members", {
      "GET /api/members": () => json([ada, bob]),
      "GET /api/invitations": () => json([]),
      "PATCH /api/members/user-2": async (request) => {
        calls += 1;
        const body = (await request.clone().json()) as { role: string };
        return json({ ...bob, role: body.role });
      },
      "PATCH /api/members/user-1": () => json({ status: 409, detail: "The last owner cannot be demoted" }, 409),
    });
    const select = (await screen.findByLabelText("Role of Bob")) as HTMLSelectElement;
    fireEvent.change(select, { target: { value: "editor" } });
    await waitFor(() => expect((screen.getByLabelText("Role of Bob") as HTMLSelectElement).value).toBe("editor"));
    expect(calls).toBe(1);
    const patch = server.calls.find((r) => r.method === "PATCH")!;
    expect(await patch.clone().json()).toEqual({ role: "editor" });
    expect(patch.headers.get("X-CSRF-Token")).toBe("csrf-from-session");

    fireEvent.change(screen.getByLabelText("Role of Ada Lovelace"), { target: { value: "admin" } });
    expect((await screen.findByRole("alert")).textContent).toContain("The last owner cannot be demoted");
  });

  it("removes a member after a confirmation", async () => {
    renderSignedIn("/settings/members", {
      "GET /api/members": () => json([ada, bob]),
      "GET /api/invitations": () => json([]),
      "DELETE /api/members/user-2": () => new Response(null, { status: 204 }),
    });
    fireEvent.click(await screen.findByRole("button", { name: "Remove Bob" }));
    fireEvent.click(within(screen.getByRole("dialog", { name: "Remove this member?" })).getByRole("button", { name: "Remove member" }));
    await waitFor(() => expect(memberRows()).toHaveLength(1));
  });

  it("lets an admin manage everyone but owners, and never grant owner", async () => {
    renderSignedIn("/settings/members", {
      "GET /api/members": () => json([ada, bob]),
      "GET /api/invitations": () => json([]),
    }, sessionInfo("admin"));
    const bobRole = (await screen.findByLabelText("Role of Bob")) as HTMLSelectElement;
    expect(Array.from(bobRole.options).map((o) => o.value)).toEqual(["viewer", "editor", "admin"]);
    expect(screen.queryByLabelText("Role of Ada Lovelace")).toBeNull();
    expect(screen.queryByRole("button", { name: "Remove Ada Lovelace" })).toBeNull();
  });

  it("is a plain list for an editor", async () => {
    const { server } = renderSignedIn("/settings/members", { "GET /api/members": () => json([ada, bob]) }, sessionInfo("editor"));
    expect(await screen.findByText("Bob")).toBeTruthy();
    expect(screen.queryByRole("form", { name: "Add people" })).toBeNull();
    expect(screen.queryByLabelText("Role of Bob")).toBeNull();
    expect(server.calls.some((r) => new URL(r.url).pathname === "/api/invitations")).toBe(false);
  });
});
