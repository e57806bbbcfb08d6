/** How numbers, times and states are written everywhere in the app. */

export const TERMINAL = new Set(["passed", "failed", "error", "cancelled"]);

export function isTerminal(status: string | null | undefined): boolean {
  return !!status && TERMINAL.has(status);
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "N/A";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "N/A";
  if (value > 0 && value < 10) return `${value.toFixed(2)} ms`;
  return `${formatNumber(value)} ms`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "—";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return "—";
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return formatDateTime(iso);
}

export const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  running: "Running",
  passed: "Passed",
  failed: "Failed",
  error: "Error",
  cancelled: "Cancelled",
};

export const TEST_TYPE_LABEL: Record<string, string> = {
  browser: "Browser",
  api: "API",
  database: "Database",
  custom: "Custom",
  performance: "Performance",
};

export const JOB_TYPE_LABEL: Record<string, string> = {
  playwright: "Playwright",
  k6: "K6 Performance",
};

/** Location codes and names of the default catalogue, for when /api/locations is not loaded. */
export const KNOWN_LOCATIONS: Record<string, string> = {
  "us-east": "US East",
  "eu-central": "EU Central",
  "asia-pacific": "Asia Pacific",
};
