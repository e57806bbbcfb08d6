import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/react";
import { MetricsGrid } from "./MetricsGrid";

const metrics = {
  totalRequests: 12345,
  failedRequests: 0,
  requestRate: 41.1234,
  avgResponseTimeMs: 12.7,
  p95ResponseTimeMs: 48.2,
  p99ResponseTimeMs: 97.9,
  peakVus: 10,
  durationMs: 30_500,
  checksPassed: 24690,
  checksFailed: 0,
};

function card(label: string) {
  return screen.getByTestId(`metric-${label.toLowerCase().replace(/\s+/g, "-")}`);
}

describe("MetricsGrid", () => {
  it("shows the seed's six metrics plus VUs, duration and checks, formatted", () => {
    render(<MetricsGrid metrics={metrics} />);
    expect(card("Total Requests").textContent).toContain("12,345");
    expect(card("Failed Requests").textContent).toContain("0");
    expect(card("Request Rate").textContent).toContain("41.12 req/s");
    expect(card("Avg Response Time").textContent).toContain("13 ms");
    expect(card("P95 Response Time").textContent).toContain("48 ms");
    expect(card("P99 Response Time").textContent).toContain("98 ms");
    expect(card("Peak VUs").textContent).toContain("10");
    expect(card("Duration").textContent).toContain("31s");
    expect(card("Checks Passed").textContent).toContain("24,690 / 24,690");
  });

  it("uses the red alert style for failed requests only when there are some", () => {
    const { rerender } = render(<MetricsGrid metrics={metrics} />);
    expect(card("Failed Requests").className).not.toContain("alert-metric");
    rerender(<MetricsGrid metrics={{ ...metrics, failedRequests: 3, checksFailed: 3 }} />);
    expect(card("Failed Requests").className).toContain("alert-metric");
    expect(card("Failed Requests").textContent).toContain("3");
    expect(card("Checks Passed").className).toContain("alert-metric");
    expect(card("Total Requests").className).not.toContain("alert-metric");
  });

  it("says N/A for what a run did not measure", () => {
    render(<MetricsGrid metrics={{ totalRequests: null, requestRate: null, failedRequests: null }} />);
    expect(card("Total Requests").textContent).toContain("N/A");
    expect(card("Request Rate").textContent).toContain("N/A");
    expect(card("Failed Requests").textContent).toContain("0");
    expect(card("Failed Requests").className).not.toContain("alert-metric");
  });
});
