/** The backend's one error shape, `{status, detail, extra}`, as a thrown error the pages can show. */

export interface ApiErrorBody {
  status?: number;
  detail?: string;
  extra?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly extra: unknown;
  /** Seconds to wait before trying again (a 429's `Retry-After`). */
  readonly retryAfterS: number | null;

  constructor(status: number, detail: string, extra?: unknown, retryAfterS: number | null = null) {
    super(withWait(detail, retryAfterS));
    this.name = "ApiError";
    this.status = status;
    this.extra = extra;
    this.retryAfterS = retryAfterS;
  }

  /** The error of a failed response; pass its headers so a 429 says how long to wait. */
  static from(status: number, body: unknown, headers?: Headers): ApiError {
    const b = (body && typeof body === "object" ? body : {}) as ApiErrorBody;
    const detail = typeof b.detail === "string" && b.detail ? b.detail : defaultMessage(status);
    return new ApiError(status, detail, b.extra, status === 429 ? retryAfter(headers) : null);
  }
}

/** `Retry-After` in seconds (it may also be an HTTP date). */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | null {
  const raw = headers?.get("Retry-After")?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The backend's 429 detail usually says how long to wait already; say it only when it does not. */
function withWait(detail: string, seconds: number | null): string {
  if (seconds === null || /try again/i.test(detail)) return detail;
  return `${detail} Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
}

function defaultMessage(status: number): string {
  if (status === 0) return "The server could not be reached. Check that it is running.";
  if (status === 401) return "Your session has ended. Sign in again.";
  if (status === 403) return "Your role in this project does not allow this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests.";
  if (status >= 500) return `The server failed (HTTP ${status}). Try again in a moment.`;
  return `The request failed (HTTP ${status}).`;
}

/** A readable message for anything a promise may reject with. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof TypeError) return "The server could not be reached. Check that it is running.";
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface ScriptIssueLike {
  message: string;
  rule?: string;
  severity?: "error" | "warning";
  line?: number | null;
  column?: number | null;
}

/** `extra.errors` of a 400 for an invalid performance script. */
export function scriptIssuesOf(err: unknown): ScriptIssueLike[] {
  if (!(err instanceof ApiError)) return [];
  const extra = err.extra as { errors?: unknown } | null | undefined;
  return Array.isArray(extra?.errors) ? (extra.errors as ScriptIssueLike[]) : [];
}

/** `extra.incompatibleTests` of a 400 for a job whose tests do not fit its type. */
export function incompatibleTestsOf(err: unknown): { id?: string; title?: string; type?: string }[] {
  if (!(err instanceof ApiError)) return [];
  const extra = err.extra as { incompatibleTests?: unknown } | null | undefined;
  return Array.isArray(extra?.incompatibleTests) ? (extra.incompatibleTests as { id?: string; title?: string }[]) : [];
}
