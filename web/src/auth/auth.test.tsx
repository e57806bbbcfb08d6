import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { App } from "../App";
import { fakeServer } from "../test/fakeServer";
import { renderSignedIn, sessionInfo } from "../test/session";
import { json } from "../test/sse";
import { getApiKey, getProjectId, setApiKey } from "./session";
import { accountProblem, safeNext } from "./SignIn";

afterEach(() => vi.unstubAllGlobals());

const page = { items: [], total: 0, limit: 25, offset: 0 };
const noSession = () => json({ status: 401, detail: "Not signed in" }, 401);
const status = (hasUsers: boolean, signupOpen = false) => () => json({ hasUsers, signupOpen });

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

function path(request: Request): string {
  return new URL(request.url).pathname;
}

/** The first request to `pathname` (a page's data loads just after its heading shows). */
function requestTo(server: { calls: Request[] }, pathname: string): Promise<Request> {
  return waitFor(() => {
    const request = server.calls.find((r) => path(r) === pathname);
    if (!request) throw new Error(`no request to ${pathname} yet`);
    return request;
  });
}

describe("sign-in with email and password", () => {
  it("sends a visitor who never signed in to sign-in, without saying a session ended", async () => {
    fakeServer({ "GET /api/auth/me": noSession, "GET /api/auth/status": status(true) });
    renderAt("/jobs");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(await screen.findByLabelText("Email")).toBeTruthy();
    expect(screen.queryByText(/Your session ended/)).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign up" })).toBeNull();
  });

  it("signs in with a cookie session, keeps the project and opens the page asked for", async () => {
    const info = sessionInfo("editor");
    let signedIn = false;
    const server = fakeServer({
      "GET /api/auth/status": status(true),
      "POST /api/auth/login": () => {
        signedIn = true;
        return json(info);
      },
      "GET /api/auth/me": () => (signedIn ? json(info) : noSession()),
      "GET /api/jobs": () => json(page),
    });
    renderAt("/signin?next=%2Fjobs");
    fireEvent.change(await screen.findByLabelText("Email"), { target: { value: " ada@example.com " } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "correct horse" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));

    expect(await screen.findByRole("heading", { name: "Jobs" })).toBeTruthy();
    const login = server.calls.find((r) => path(r) === "/api/auth/login")!;
    expect(await login.clone().json()).toEqual({ email: "ada@example.com", password: "correct horse" });
    expect(login.headers.get("Authorization")).toBeNull();
    expect(getProjectId()).toBe(info.project.id);
    expect(getApiKey()).toBeNull();
    const jobs = await requestTo(server, "/api/jobs");
    expect(jobs.headers.get("X-Project-Id")).toBe(info.project.id);
    expect(jobs.headers.get("Authorization")).toBeNull();
    expect(jobs.credentials).toBe("same-origin");
    expect(screen.getByTestId("signed-in-as").textContent).toContain("Ada Lovelace");
  });

  it("says so when the password is wrong", async () => {
    fakeServer({
      "GET /api/auth/status": status(true),
      "POST /api/auth/login": () => json({ status: 401, detail: "Invalid email or password" }, 401),
    });
    renderAt("/signin");
    fireEvent.change(await screen.findByLabelText("Email"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Wrong email or password.");
  });

  it("shows how long to wait after too many attempts (429 with Retry-After)", async () => {
    fakeServer({
      "GET /api/auth/status": status(true),
      "POST /api/auth/login": () =>
        new Response(JSON.stringify({ status: 429, detail: "Too many sign-in attempts." }), {
          status: 429,
          headers: { "Content-Type": "application/json", "Retry-After": "42" },
        }),
    });
    renderAt("/signin");
    fireEvent.change(await screen.findByLabelText("Email"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "whatever1" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Too many sign-in attempts. Try again in 42 seconds.");
  });

  it("offers sign-up only when the installation allows it", async () => {
    const info = sessionInfo("viewer");
    let signedUp = false;
    const server = fakeServer({
      "GET /api/auth/status": status(true, true),
      "POST /api/auth/signup": () => {
        signedUp = true;
        return json(info, 201);
      },
      "GET /api/auth/me": () => (signedUp ? json(info) : noSession()),
      "GET /api/runs": () => json(page),
      "GET /api/locations": () => json([]),
      "GET /api/jobs": () => json(page),
    });
    renderAt("/signin");
    fireEvent.click(await screen.findByRole("button", { name: "Sign up" }));
    expect(screen.getByRole("heading", { name: "Create an account" })).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Grace" } });
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "grace@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "short" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect((await screen.findByRole("alert")).textContent).toBe("The password needs at least 8 characters.");
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "long enough" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("heading", { name: "Runs" })).toBeTruthy();
    const signup = server.calls.find((r) => path(r) === "/api/auth/signup")!;
    expect(await signup.clone().json()).toEqual({ name: "Grace", email: "grace@example.com", password: "long enough" });
  });
});

describe("the first account", () => {
  it("is created from the sign-in page while nobody has an account, and owns the default project", async () => {
    const info = sessionInfo("owner");
    let created = false;
    const server = fakeServer({
      "GET /api/auth/status": () => json({ hasUsers: created, signupOpen: false }),
      "POST /api/auth/signup": () => {
        created = true;
        return json(info, 201);
      },
      "GET /api/auth/me": () => (created ? json(info) : noSession()),
      "GET /api/runs": () => json(page),
      "GET /api/locations": () => json([]),
      "GET /api/jobs": () => json(page),
    });
    renderAt("/runs");
    expect(await screen.findByRole("heading", { name: "Create the first account" })).toBeTruthy();
    expect(screen.getByText(/yours will own the default project/)).toBeTruthy();
    expect(screen.queryByLabelText("API key")).toBeNull();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Ada Lovelace" } });
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ada@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "analytical engine" } });
    fireEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("heading", { name: "Runs" })).toBeTruthy();
    expect(server.calls.some((r) => path(r) === "/api/auth/signup" && r.method === "POST")).toBe(true);
    expect(screen.getByTestId("project-name").textContent).toBe("Default project");
  });

  it("still lets automation in with the bootstrap API key", async () => {
    fakeServer({ "GET /api/auth/status": status(false), "GET /api/auth/me": noSession });
    renderAt("/signin");
    fireEvent.click(await screen.findByRole("button", { name: "Sign in with an API key" }));
    expect(screen.getByLabelText("API key")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
  });
});

describe("sign-in with an API key", () => {
  it("keeps an accepted key for the tab and sends it as a Bearer token, without CSRF or project headers", async () => {
    const info = { ...sessionInfo("admin"), user: null, apiKey: { id: "k1", name: "CI", prefix: "sck_abc", role: "admin" as const }, csrfToken: null };
    localStorage.setItem("supercheck.projectId", "some-other-project");
    const server = fakeServer({
      "GET /api/auth/status": status(true),
      "GET /api/auth/me": (request) =>
        request.headers.get("Authorization") === "Bearer sck_good" ? json(info) : json({ status: 401, detail: "bad" }, 401),
      "GET /api/jobs": () => json(page),
    });
    renderAt("/signin?next=%2Fjobs");
    fireEvent.click(await screen.findByRole("button", { name: "Sign in with an API key" }));
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: " sck_good " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Jobs" })).toBeTruthy();
    expect(getApiKey()).toBe("sck_good");
    expect(sessionStorage.getItem("supercheck.apiKey")).toBe("sck_good");
    const jobs = await requestTo(server, "/api/jobs");
    expect(jobs.headers.get("Authorization")).toBe("Bearer sck_good");
    expect(jobs.headers.get("X-Project-Id")).toBeNull();
    expect(screen.getByTestId("signed-in-as").textContent).toContain('API key "CI"');
  });

  it("rejects a wrong key", async () => {
    fakeServer({ "GET /api/auth/status": status(true), "GET /api/auth/me": () => json({ status: 401, detail: "Invalid API key" }, 401) });
    renderAt("/signin?method=key");
    fireEvent.change(screen.getByLabelText("API key"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toBe("That API key was not accepted.");
    expect(getApiKey()).toBeNull();
  });
});

describe("leaving", () => {
  it("returns to sign-in on a 401 from any page, and forgets the key", async () => {
    setApiKey("sck_revoked");
    fakeServer({
      "GET /api/auth/status": status(true),
      "GET /api/auth/me": () => json({ ...sessionInfo("admin"), user: null, apiKey: { id: "k", name: "k", prefix: "sck_", role: "admin" } }),
      "GET /api/tests": () => json({ status: 401, detail: "Invalid API key" }, 401),
    });
    renderAt("/tests");
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(screen.getByText(/Your session ended/)).toBeTruthy();
    expect(getApiKey()).toBeNull();
  });

  it("signs out of a cookie session on the server, with the CSRF token", async () => {
    document.cookie = "supercheck_csrf=csrf-cookie-value; path=/";
    const { server } = renderSignedIn("/jobs", {
      "GET /api/jobs": () => json(page),
      "POST /api/auth/logout": () => new Response(null, { status: 204 }),
      "GET /api/auth/status": status(true),
    });
    const sidebar = await screen.findByRole("navigation", { name: "Main" });
    fireEvent.click(within(sidebar).getByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    const logout = server.calls.find((r) => path(r) === "/api/auth/logout")!;
    expect(logout.headers.get("X-CSRF-Token")).toBe("csrf-cookie-value");
    expect(screen.queryByText(/Your session ended/)).toBeNull();
  });
});

describe("accepting an invitation", () => {
  it("creates the account from the link's token and opens the project", async () => {
    const info = sessionInfo("editor");
    let accepted = false;
    const server = fakeServer({
      "POST /api/auth/accept-invite": () => {
        accepted = true;
        return json(info, 201);
      },
      "GET /api/auth/me": () => (accepted ? json(info) : noSession()),
      "GET /api/runs": () => json(page),
      "GET /api/locations": () => json([]),
      "GET /api/jobs": () => json(page),
    });
    renderAt("/accept-invite?token=tok-123");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Grace Hopper" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "cobol rules" } });
    fireEvent.click(screen.getByRole("button", { name: "Join the project" }));
    expect(await screen.findByRole("heading", { name: "Runs" })).toBeTruthy();
    const accept = server.calls.find((r) => path(r) === "/api/auth/accept-invite")!;
    expect(await accept.clone().json()).toEqual({ token: "tok-123", name: "Grace Hopper", password: "cobol rules" });
  });

  it("shows the server's reason when the invitation is no good", async () => {
    fakeServer({
      "POST /api/auth/accept-invite": () => json({ status: 404, detail: "This invitation is unknown or has expired" }, 404),
    });
    renderAt("/accept-invite?token=old");
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Grace" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "cobol rules" } });
    fireEvent.click(screen.getByRole("button", { name: "Join the project" }));
    expect((await screen.findByRole("alert")).textContent).toBe("This invitation is unknown or has expired");
  });
});

describe("helpers", () => {
  it("only follows next= to pages of the app", () => {
    expect(safeNext("/runs/1?x=2")).toBe("/runs/1?x=2");
    expect(safeNext("https://evil.example")).toBe("/runs");
    expect(safeNext("//evil.example")).toBe("/runs");
    expect(safeNext(null)).toBe("/runs");
  });

  it("checks a new account's fields before asking the server", () => {
    expect(accountProblem("", "a@b", "12345678")).toMatch(/Fill in/);
    expect(accountProblem("A", "not-an-email", "12345678")).toMatch(/valid email/);
    expect(accountProblem("A", "a@b", "1234567")).toMatch(/at least 8/);
    expect(accountProblem("A", "a@b", "12345678")).toBeNull();
  });
});
