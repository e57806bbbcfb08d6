import { Ban, CheckCircle2, Clock, Loader2, MapPin, TriangleAlert, XCircle, Zap, AppWindow } from "lucide-react";
import { JOB_TYPE_LABEL, KNOWN_LOCATIONS, STATUS_LABEL, TEST_TYPE_LABEL } from "../lib/format";
import { TEST_TYPE_ICON } from "./icons";

const STATUS_ICON = {
  queued: Clock,
  running: Loader2,
  passed: CheckCircle2,
  failed: XCircle,
  error: TriangleAlert,
  cancelled: Ban,
} as const;

export function StatusBadge({ status, large = false }: { status: string | null | undefined; large?: boolean }) {
  const key = (status ?? "queued") as keyof typeof STATUS_ICON;
  const Icon = STATUS_ICON[key] ?? Clock;
  return (
    <span className={`badge badge-${key}${large ? " badge-lg" : ""}`} data-testid="status-badge">
      <Icon aria-hidden="true" className={key === "running" ? "spin" : undefined} />
      {STATUS_LABEL[key] ?? status}
    </span>
  );
}

export function TestTypeBadge({ type }: { type: string }) {
  const Icon = TEST_TYPE_ICON[type] ?? Zap;
  return (
    <span className={`badge badge-type-${type}`}>
      <Icon aria-hidden="true" />
      {TEST_TYPE_LABEL[type] ?? type}
    </span>
  );
}

export function JobTypeBadge({ type }: { type: string }) {
  const Icon = type === "k6" ? Zap : AppWindow;
  return (
    <span className={`badge badge-job-${type}`}>
      <Icon aria-hidden="true" />
      {JOB_TYPE_LABEL[type] ?? type}
    </span>
  );
}

export function LocationBadge({
  code,
  name,
  large = false,
}: {
  code: string | null | undefined;
  name?: string | null;
  large?: boolean;
}) {
  if (!code) return <span className="faint">—</span>;
  return (
    <span className={`badge${large ? " badge-lg" : ""}`} title={code} data-testid="location-badge">
      <MapPin aria-hidden="true" />
      {name ?? KNOWN_LOCATIONS[code] ?? code}
    </span>
  );
}
