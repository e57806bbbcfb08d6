/** The k6 metrics of one test run (seed §7): request totals, rate, latency percentiles, VUs, checks. */
import type { LucideIcon } from "lucide-react";
import { Activity, AlertCircle, BarChart3, CheckCheck, Clock, Timer, TrendingUp, Users } from "lucide-react";
import { formatDuration, formatMs, formatNumber } from "../lib/format";

export interface K6Metrics {
  totalRequests?: number | null;
  failedRequests?: number | null;
  requestRate?: number | null;
  avgResponseTimeMs?: number | null;
  p95ResponseTimeMs?: number | null;
  p99ResponseTimeMs?: number | null;
  peakVus?: number | null;
  durationMs?: number | null;
  checksPassed?: number | null;
  checksFailed?: number | null;
}

function checksText(passed: number | null | undefined, failed: number | null | undefined): string {
  if (passed === null || passed === undefined) return "N/A";
  const total = passed + (failed ?? 0);
  return total ? `${formatNumber(passed)} / ${formatNumber(total)}` : "0";
}

export function MetricsGrid({ metrics }: { metrics: K6Metrics }) {
  const failed = metrics.failedRequests ?? 0;
  const checksFailed = metrics.checksFailed ?? 0;
  return (
    <div className="metrics-grid" data-testid="metrics-grid">
      <MetricCard label="Total Requests" value={formatNumber(metrics.totalRequests)} icon={Activity} />
      <MetricCard
        label="Failed Requests"
        value={metrics.failedRequests === null || metrics.failedRequests === undefined ? "0" : formatNumber(failed)}
        icon={AlertCircle}
        alert={failed > 0}
      />
      <MetricCard
        label="Request Rate"
        value={metrics.requestRate === null || metrics.requestRate === undefined ? "N/A" : `${formatNumber(metrics.requestRate, 2)} req/s`}
        icon={TrendingUp}
      />
      <MetricCard label="Avg Response Time" value={formatMs(metrics.avgResponseTimeMs)} icon={Clock} />
      <MetricCard label="P95 Response Time" value={formatMs(metrics.p95ResponseTimeMs)} icon={BarChart3} />
      <MetricCard label="P99 Response Time" value={formatMs(metrics.p99ResponseTimeMs)} icon={BarChart3} />
      <MetricCard label="Peak VUs" value={formatNumber(metrics.peakVus)} icon={Users} />
      <MetricCard label="Duration" value={formatDuration(metrics.durationMs)} icon={Timer} />
      <MetricCard
        label="Checks Passed"
        value={checksText(metrics.checksPassed, metrics.checksFailed)}
        icon={CheckCheck}
        alert={checksFailed > 0}
      />
    </div>
  );
}

export function MetricCard({
  label,
  value,
  icon: Icon,
  alert = false,
}: {
  label: string;
  value: string;
  icon: LucideIcon;
  alert?: boolean;
}) {
  return (
    <div className={`metric${alert ? " alert-metric" : ""}`} data-testid={`metric-${label.toLowerCase().replace(/\s+/g, "-")}`}>
      <div className="metric-label">
        <Icon aria-hidden="true" />
        {label}
      </div>
      <div className="metric-value">{value}</div>
    </div>
  );
}
