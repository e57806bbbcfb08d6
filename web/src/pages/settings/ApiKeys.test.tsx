import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, screen, within } from "@testing-library/react";
import { renderSignedIn, sessionInfo } from "../../test/session";
import { json } from "../../test/sse";

afterEach(() => vi.unstubAllGlobals());

const ci = {
  id: "k1",
  name: "GitHub Actions",
  prefix: "sck_Ab12Cd34",
  role: "editor",
  createdAt: "2025-01-01T10:00:00Z",
  lastUsedAt: null,
  revokedAt: null,
};

function rows() {
  return screen.getAllByTestId("api-key-row").map((row) => row.textContent);
}

describe("API keys", () => {
  it("creates a key, shows its secret once, and lists it without the secret", async () => {
    document.cookie = "supercheck_csrf=tok; path=/";
    const { server } = renderSignedIn("/settings/api-keys", {
      "GET /api/api-keys": () => json([ci]),
      "POST /api/api-keys": () =>
        json({ ...ci, id: "k2", name: "Nightly cron", role: "viewer", prefix: "sck_Zz99", key: "sck_Zz99-the-whole-secret" }, 201),
    }, sessionInfo("admin"));
    expect(await screen.findByText("GitHub Actions")).toBeTruthy();
    expect(rows()[0]).toContain("sck_Ab12Cd34…");
    expect(rows()[0]).toContain("Never");
    expect(rows()[0]).toContain("Active");

    fireEvent.click(screen.getByRole("button", { name: "New API key" }));
    const dialog = screen.getByRole("dialog", { name: "New API key" });
    const role = within(dialog).getByLabelText("Role") as HTMLSelectElement;
    // An admin hands out at most admin.
    expect(Array.from(role.options).map((o) => o.value)).toEqual(["viewer", "editor", "admin"]);
    fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "Nightly cron" } });
    fireEvent.change(role, { target: { value: "viewer" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));

    const shown = await screen.findByRole("dialog", { name: "Copy your new API key" });
    expect((within(shown).getByTestId("new-api-key-value") as HTMLInputElement).value).toBe("sck_Zz99-the-whole-secret");
    expect(shown.textContent).toContain("You will not see it again");
    const post = server.calls.find((r) => r.method === "POST")!;
    expect(await post.clone().json()).toEqual({ name: "Nightly cron", role: "viewer" });
    expect(post.headers.get("X-CSRF-Token")).toBe("tok");

    fireEvent.click(within(shown).getByRole("button", { name: "Done" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.body.innerHTML).not.toContain("sck_Zz99-the-whole-secret");
    expect(rows()).toHaveLength(2);
    expect(rows()[0]).toContain("Nightly cron");
  });

  it("revokes a key after a confirmation, and the row says Revoked", async () => {
    const { server } = renderSignedIn("/settings/api-keys", {
      "GET /api/api-keys": () => json([ci]),
      "DELETE /api/api-keys/k1": () => new Response(null, { status: 204 }),
    }, sessionInfo("admin"));
    fireEvent.click(await screen.findByRole("button", { name: "Revoke GitHub Actions" }));
    const confirm = screen.getByRole("dialog", { name: "Revoke this API key?" });
    fireEvent.click(within(confirm).getByRole("button", { name: "Revoke key" }));
    await screen.findByText("Revoked");
    expect(rows()[0]).not.toContain("Active");
    expect(screen.queryByRole("button", { name: "Revoke GitHub Actions" })).toBeNull();
    expect(server.calls.some((r) => r.method === "DELETE" && new URL(r.url).pathname === "/api/api-keys/k1")).toBe(true);
  });

  it("shows the server's refusal (a role above one's own)", async () => {
    renderSignedIn("/settings/api-keys", {
      "GET /api/api-keys": () => json([]),
      "POST /api/api-keys": () => json({ status: 403, detail: "An API key cannot have a higher role than yours" }, 403),
    }, sessionInfo("owner"));
    fireEvent.click((await screen.findAllByRole("button", { name: "New API key" }))[0]!);
    const dialog = screen.getByRole("dialog", { name: "New API key" });
    fireEvent.change(within(dialog).getByLabelText("Name"), { target: { value: "x" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Create key" }));
    expect((await within(dialog).findByRole("alert")).textContent).toBe("An API key cannot have a higher role than yours");
  });

  it("explains a 403 instead of a list when the role may not manage keys", async () => {
    renderSignedIn("/settings/api-keys", {
      "GET /api/api-keys": () => json({ status: 403, detail: "Only admins and owners manage API keys" }, 403),
    }, sessionInfo("editor"));
    expect(await screen.findByText("Only admins and owners manage API keys")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New API key" })).toBeNull();
  });
});
