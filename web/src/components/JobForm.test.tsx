import { describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, within } from "@testing-library/react";
import type { LocationRead } from "../api/client";
import { compatibleTests, JobForm, type JobFormValues } from "./JobForm";

const tests = [
  { id: "p1", title: "Checkout load", type: "performance" as const },
  { id: "p2", title: "Search spike", type: "performance" as const },
  { id: "b1", title: "Login page", type: "browser" as const },
  { id: "a1", title: "Health API", type: "api" as const },
  { id: "d1", title: "Orders table", type: "database" as const },
];

const locations: LocationRead[] = [
  { code: "us-east", name: "US East", city: "Virginia", continent: "North America", label: "US East (Virginia)", runners: 1, freeSlots: 3, available: true },
  { code: "eu-central", name: "EU Central", city: "Frankfurt", continent: "Europe", label: "EU Central (Frankfurt)", runners: 0, freeSlots: 0, available: false },
];

const blank: JobFormValues = { name: "", description: "", jobType: "playwright", location: null, testIds: [] };

function listed() {
  return within(screen.getByTestId("job-test-list"))
    .queryAllByRole("checkbox")
    .map((box) => box.closest("label")!.textContent);
}

describe("compatibleTests", () => {
  it("keeps performance tests for K6 jobs and every other type for Playwright jobs", () => {
    expect(compatibleTests(tests, "k6").map((t) => t.id)).toEqual(["p1", "p2"]);
    expect(compatibleTests(tests, "playwright").map((t) => t.id)).toEqual(["b1", "a1", "d1"]);
  });
});

describe("JobForm", () => {
  it("lists only tests compatible with the job type, with their count", () => {
    render(<JobForm initial={blank} tests={tests} locations={locations} onSubmit={vi.fn()} />);
    expect(screen.getByText(/Select Playwright Tests/)).toBeTruthy();
    expect(screen.getByTestId("available-count").textContent).toBe("(3 available)");
    expect(listed()).toEqual(["Login pageBrowser", "Health APIAPI", "Orders tableDatabase"]);

    fireEvent.change(screen.getByLabelText("Job Type"), { target: { value: "k6" } });
    expect(screen.getByText(/Select Performance Tests/)).toBeTruthy();
    expect(screen.getByTestId("available-count").textContent).toBe("(2 available)");
    expect(listed()).toEqual(["Checkout loadPerformance", "Search spikePerformance"]);
    expect(screen.getByText("Run performance and load tests with k6")).toBeTruthy();
  });

  it("clears the selection when the type changes", () => {
    render(<JobForm initial={blank} tests={tests} locations={locations} onSubmit={vi.fn()} />);
    fireEvent.click(screen.getByRole("checkbox", { name: /Login page/ }));
    fireEvent.click(screen.getByRole("checkbox", { name: /Health API/ }));
    expect(screen.getByTestId("selected-count").textContent).toContain("2 selected");

    fireEvent.change(screen.getByLabelText("Job Type"), { target: { value: "k6" } });
    expect(screen.getByTestId("selected-count").textContent).toContain("0 selected");
    fireEvent.change(screen.getByLabelText("Job Type"), { target: { value: "playwright" } });
    expect(screen.getByRole("checkbox", { name: /Login page/ })).toHaveProperty("checked", false);
  });

  it("shows the location selector for K6 jobs only, with live availability", () => {
    render(<JobForm initial={blank} tests={tests} locations={locations} onSubmit={vi.fn()} />);
    expect(screen.queryByLabelText("Execution Location")).toBeNull();
    fireEvent.change(screen.getByLabelText("Job Type"), { target: { value: "k6" } });
    const select = screen.getByLabelText("Execution Location") as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual([
      "US East (Virginia) — 1 runner",
      "EU Central (Frankfurt) — no runner available",
    ]);
    expect(select.value).toBe("us-east");
  });

  it("submits the K6 job with its location and chosen tests", async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(
      <JobForm initial={{ ...blank, jobType: "k6", location: "us-east" }} tests={tests} locations={locations} onSubmit={onSubmit} />,
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "  Nightly load  " } });
    fireEvent.change(screen.getByLabelText("Execution Location"), { target: { value: "eu-central" } });
    fireEvent.click(screen.getByRole("checkbox", { name: /Search spike/ }));
    fireEvent.click(screen.getByRole("button", { name: "Create job" }));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledOnce());
    expect(onSubmit.mock.calls[0]![0]).toEqual({
      name: "Nightly load",
      description: "",
      jobType: "k6",
      location: "eu-central",
      testIds: ["p2"],
    });
  });

  it("asks for a name before submitting", () => {
    const onSubmit = vi.fn();
    render(<JobForm initial={blank} tests={tests} locations={locations} onSubmit={onSubmit} />);
    fireEvent.click(screen.getByRole("button", { name: "Create job" }));
    expect(screen.getByRole("alert").textContent).toBe("Give the job a name.");
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it("says when no performance test exists yet", () => {
    render(<JobForm initial={{ ...blank, jobType: "k6" }} tests={tests.slice(2)} locations={locations} onSubmit={vi.fn()} />);
    expect(screen.getByTestId("available-count").textContent).toBe("(0 available)");
    expect(screen.getByText(/No performance tests yet/)).toBeTruthy();
  });
});
