import { afterEach, describe, expect, it, vi } from "vitest";
import { accounts } from "../api/accounts";
import { api, authFetch } from "../api/client";
import { ApiError, retryAfter } from "../api/errors";
import { fakeServer } from "../test/fakeServer";
import { json } from "../test/sse";
import { authHeaders, setApiKey, setCsrfToken, setProjectId } from "./session";

afterEach(() => {
  vi.unstubAllGlobals();
  setCsrfToken(null);
});

const test = { id: "t1", title: "T", type: "performance", script: "", tags: [] };

describe("the headers of a cookie session", () => {
  it("repeat the CSRF cookie on every write, and send the selected project on every request", async () => {
    document.cookie = "supercheck_csrf=from-cookie; path=/";
    setProjectId("project-2");
    const server = fakeServer({
      "POST /api/tests": () => json(test, 201),
      "GET /api/tests": () => json({ items: [], total: 0, limit: 25, offset: 0 }),
      "POST /api/api-keys": () => json({ id: "k", key: "sck_x" }, 201),
      "DELETE /api/members/u1": () => new Response(null, { status: 204 }),
      "GET /api/runs/r1/stream": () => new Response(""),
    });
    await api.createTest({ title: "T", type: "performance", script: "", tags: [] });
    await api.listTests();
    await accounts.createApiKey("CI", "editor");
    await accounts.removeMember("u1");
    await authFetch("/api/runs/r1/stream");

    const [create, list, key, remove, stream] = server.calls;
    for (const write of [create!, key!, remove!]) {
      expect(write.headers.get("X-CSRF-Token")).toBe("from-cookie");
      expect(write.headers.get("X-Project-Id")).toBe("project-2");
      expect(write.credentials).toBe("same-origin");
      expect(write.headers.get("Authorization")).toBeNull();
    }
    for (const read of [list!, stream!]) {
      expect(read.headers.get("X-CSRF-Token")).toBeNull();
      expect(read.headers.get("X-Project-Id")).toBe("project-2");
    }
  });

  it("fall back to the session's CSRF token when the cookie cannot be read", () => {
    setCsrfToken("from-me");
    expect(authHeaders("PATCH")).toEqual({ "X-CSRF-Token": "from-me" });
    expect(authHeaders("GET")).toEqual({});
  });

  it("leave the project out of sign-in calls", () => {
    setProjectId("project-2");
    document.cookie = "supercheck_csrf=c; path=/";
    expect(authHeaders("POST", { anonymous: true })).toEqual({ "X-CSRF-Token": "c" });
  });
});

describe("the headers of an API-key session", () => {
  it("are the key alone: it is bound to its project and needs no CSRF token", () => {
    setApiKey("sck_k");
    setProjectId("project-2");
    document.cookie = "supercheck_csrf=c; path=/";
    expect(authHeaders("POST")).toEqual({ Authorization: "Bearer sck_k" });
  });
});

describe("errors", () => {
  it("say how long to wait after a 429, unless the detail already does", () => {
    const headers = new Headers({ "Retry-After": "30" });
    expect(ApiError.from(429, { detail: "Slow down." }, headers).message).toBe("Slow down. Try again in 30 seconds.");
    expect(ApiError.from(429, { detail: "Too many requests: try again in 30 s." }, headers).message).toBe(
      "Too many requests: try again in 30 s.",
    );
    expect(ApiError.from(429, { detail: "Slow down." }, headers).retryAfterS).toBe(30);
    expect(retryAfter(new Headers({ "Retry-After": "Thu, 01 Jan 2099 00:00:10 GMT" }), Date.parse("2099-01-01T00:00:00Z"))).toBe(10);
  });

  it("keep a 403's reason", () => {
    expect(ApiError.from(403, { detail: "Viewers may not run tests" }).message).toBe("Viewers may not run tests");
    expect(ApiError.from(403, {}).message).toMatch(/role/);
  });
});
