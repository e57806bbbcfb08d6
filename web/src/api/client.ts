/**
 * The typed API client. Types come from `schema.gen.ts`, generated from the backend's OpenAPI document
 * (`npm run openapi:refresh && npm run gen:api`). Every request carries the session's credentials
 * (`auth/session.ts`: the cookie with its CSRF token, or the API key) and the selected project; a 401 signs out.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.gen";
import { ApiError } from "./errors";
import { authHeaders, signOut } from "../auth/session";

export type Schemas = components["schemas"];
export type TestRead = Schemas["TestRead"];
export type TestType = Schemas["TestType"];
export type TestPriority = Schemas["TestPriority"];
export type TestCreate = Schemas["TestCreate"];
export type TestUpdate = Schemas["TestUpdate"];
export type JobRead = Schemas["JobRead"];
export type JobType = Schemas["JobType"];
export type JobCreate = Schemas["JobCreate"];
export type RunRead = Schemas["RunRead"];
export type K6RunRead = Schemas["K6RunRead"];
export type RunStatus = Schemas["RunStatus"];
export type LocationRead = Schemas["LocationRead"];
export type ValidationResult = Schemas["ValidationResult"];
export type ScriptIssue = Schemas["ScriptIssue"];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

const MAX_PAGE = 100;

function origin(): string {
  return globalThis.location?.origin ?? "http://localhost";
}

/** Absolute URL of an API path (artifact URLs from the API are paths). */
export function apiUrl(path: string): string {
  return new URL(path, origin()).toString();
}

export const client = createClient<paths>({
  baseUrl: origin(),
  credentials: "same-origin",
  // Looked up per call, so tests that replace globalThis.fetch are honoured.
  fetch: (request: Request) => globalThis.fetch(request),
});

/** Called before anyone signs in: no credentials, and a 401 means a wrong password, not an ended session. */
const ANONYMOUS = new Set(["/api/auth/status", "/api/auth/login", "/api/auth/signup", "/api/auth/accept-invite"]);
/** A 401 here may mean "nobody signed in yet": the session check (`auth/SessionProvider.tsx`) decides. */
const QUIET_401 = new Set(["/api/auth/me"]);

client.use({
  onRequest({ request, schemaPath }) {
    const headers = authHeaders(request.method, { anonymous: ANONYMOUS.has(schemaPath) });
    for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
    return request;
  },
  onResponse({ response, schemaPath }) {
    if (response.status === 401 && !ANONYMOUS.has(schemaPath) && !QUIET_401.has(schemaPath)) signOut("expired");
    return response;
  },
});

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The body of a successful answer, or an ApiError with the server's detail. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "The server could not be reached. Check that it is running.");
  }
  if (!result.response.ok) throw ApiError.from(result.response.status, result.error, result.response.headers);
  return result.data as T;
}

/** fetch() with the session's credentials and project, for what the typed client does not cover (SSE, artifacts). */
export async function authFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders(init.method ?? "GET"))) headers.set(name, value);
  const response = await globalThis.fetch(apiUrl(path), { ...init, headers, credentials: "same-origin" });
  if (response.status === 401) signOut("expired");
  return response;
}

/** The ApiError of a failed response, with the server's detail when it sent one. */
async function failure(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON */
  }
  return ApiError.from(response.status, body, response.headers);
}

export interface TestQuery {
  type?: TestType;
  search?: string;
  limit?: number;
  offset?: number;
}

export interface RunQuery {
  status?: RunStatus;
  jobId?: string;
  testId?: string;
  location?: string;
  limit?: number;
  offset?: number;
}

export interface RunOptions {
  location?: string;
  queueIfUnavailable?: boolean;
}

function compact<T extends object>(query: T): T {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== "")) as T;
}

export const api = {
  listTests(query: TestQuery = {}, signal?: AbortSignal): Promise<Page<TestRead>> {
    return unwrap(client.GET("/api/tests", { params: { query: compact(query) }, signal }));
  },
  /** Every test of the project, page by page (the API serves at most 100 at a time). */
  async listAllTests(query: Omit<TestQuery, "limit" | "offset"> = {}, signal?: AbortSignal): Promise<TestRead[]> {
    const all: TestRead[] = [];
    for (let offset = 0; ; offset += MAX_PAGE) {
      const page = await api.listTests({ ...query, limit: MAX_PAGE, offset }, signal);
      all.push(...page.items);
      if (page.items.length === 0 || all.length >= page.total) return all;
    }
  },
  getTest(id: string): Promise<TestRead> {
    return unwrap(client.GET("/api/tests/{test_id}", { params: { path: { test_id: id } } }));
  },
  createTest(body: TestCreate): Promise<TestRead> {
    return unwrap(client.POST("/api/tests", { body }));
  },
  updateTest(id: string, body: TestUpdate): Promise<TestRead> {
    return unwrap(client.PATCH("/api/tests/{test_id}", { params: { path: { test_id: id } }, body }));
  },
  async deleteTest(id: string): Promise<void> {
    await unwrap(client.DELETE("/api/tests/{test_id}", { params: { path: { test_id: id } } }));
  },
  validateScript(script: string, type: TestType, signal?: AbortSignal): Promise<ValidationResult> {
    return unwrap(client.POST("/api/tests/validate", { body: { script, type }, signal }));
  },

  listJobs(query: { limit?: number; offset?: number } = {}): Promise<Page<JobRead>> {
    return unwrap(client.GET("/api/jobs", { params: { query: compact(query) } }));
  },
  getJob(id: string): Promise<JobRead> {
    return unwrap(client.GET("/api/jobs/{job_id}", { params: { path: { job_id: id } } }));
  },
  createJob(body: JobCreate): Promise<JobRead> {
    return unwrap(client.POST("/api/jobs", { body }));
  },
  updateJob(id: string, body: Schemas["JobUpdate"]): Promise<JobRead> {
    return unwrap(client.PATCH("/api/jobs/{job_id}", { params: { path: { job_id: id } }, body }));
  },
  async deleteJob(id: string): Promise<void> {
    await unwrap(client.DELETE("/api/jobs/{job_id}", { params: { path: { job_id: id } } }));
  },

  executeTest(testId: string, options: RunOptions): Promise<RunRead> {
    const body = { location: options.location, queueIfUnavailable: options.queueIfUnavailable ?? false };
    return unwrap(client.POST("/api/tests/{test_id}/execute", { params: { path: { test_id: testId } }, body }));
  },
  triggerJobRun(jobId: string, options: RunOptions): Promise<RunRead> {
    const body = {
      jobId,
      location: options.location,
      queueIfUnavailable: options.queueIfUnavailable ?? false,
      trigger: "manual" as const,
    };
    return unwrap(client.POST("/api/runs", { body }));
  },
  listRuns(query: RunQuery = {}, signal?: AbortSignal): Promise<Page<RunRead>> {
    return unwrap(client.GET("/api/runs", { params: { query: compact(query) }, signal }));
  },
  getRun(id: string, signal?: AbortSignal): Promise<RunRead> {
    return unwrap(client.GET("/api/runs/{run_id}", { params: { path: { run_id: id } }, signal }));
  },
  /** A queued run ends at once; a running one is stopped by its runner (the run says so when it has). */
  cancelRun(id: string): Promise<RunRead> {
    return unwrap(client.POST("/api/runs/{run_id}/cancel", { params: { path: { run_id: id } } }));
  },

  listLocations(signal?: AbortSignal): Promise<LocationRead[]> {
    return unwrap(client.GET("/api/locations", { signal }));
  },

  /** An artifact (report HTML, summary, console log) as text. */
  async artifactText(path: string, signal?: AbortSignal): Promise<string> {
    const response = await authFetch(path, { signal });
    if (!response.ok) throw await failure(response);
    return response.text();
  },
  async artifactBlob(path: string): Promise<Blob> {
    const response = await authFetch(path);
    if (!response.ok) throw await failure(response);
    return response.blob();
  },
};
