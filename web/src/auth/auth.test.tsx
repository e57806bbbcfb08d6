import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { App } from "../App";
import { fakeServer } from "../test/fakeServer";
import { json } from "../test/sse";
import { getApiKey, setApiKey } from "./session";
import { safeNext } from "./SignIn";

afterEach(() => vi.unstubAllGlobals());

const page = { items: [], total: 0, limit: 25, offset: 0 };

describe("sign-in", () => {
  it("sends a visitor without a key to sign-in", async () => {
    fakeServer({});
    render(
      <MemoryRouter initialEntries={["/jobs"]}>
        <App />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
  });

  it("keeps an accepted key for the session and opens the page asked for", async () => {
    const server = fakeServer({
      "GET /api/locations": (request) =>
        request.headers.get("Authorization") === "Bearer sck_good" ? json([]) : json({ status: 401, detail: "bad" }, 401),
      "GET /api/jobs": () => json(page),
    });
    render(
      <MemoryRouter initialEntries={["/signin?next=%2Fjobs"]}>
        <App />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: " sck_good " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Jobs" })).toBeTruthy();
    expect(getApiKey()).toBe("sck_good");
    expect(sessionStorage.getItem("supercheck.apiKey")).toBe("sck_good");
    expect(server.calls.some((r) => new URL(r.url).pathname === "/api/jobs")).toBe(true);
  });

  it("rejects a wrong key", async () => {
    fakeServer({ "GET /api/locations": () => json({ status: 401, detail: "Invalid API key" }, 401) });
    render(
      <MemoryRouter initialEntries={["/signin"]}>
        <App />
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("That API key was not accepted.");
    expect(getApiKey()).toBeNull();
  });

  it("returns to sign-in on a 401 from any page, and forgets the key", async () => {
    setApiKey("sck_revoked");
    fakeServer({
      "GET /api/tests": () => json({ status: 401, detail: "Invalid API key" }, 401),
    });
    render(
      <MemoryRouter initialEntries={["/tests"]}>
        <App />
      </MemoryRouter>,
    );
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByText(/Your session ended/)).toBeTruthy();
    expect(getApiKey()).toBeNull();
  });

  it("only follows next= to pages of the app", () => {
    expect(safeNext("/runs/1?x=2")).toBe("/runs/1?x=2");
    expect(safeNext("https://evil.example")).toBe("/runs");
    expect(safeNext("//evil.example")).toBe("/runs");
    expect(safeNext(null)).toBe("/runs");
  });
});
