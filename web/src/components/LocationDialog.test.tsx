import { afterEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import type { LocationRead } from "../api/client";
import { fakeServer } from "../test/fakeServer";
import { json } from "../test/sse";
import { LocationDialog, pickDefault } from "./LocationDialog";

afterEach(() => vi.unstubAllGlobals());

const catalogue: LocationRead[] = [
  { code: "us-east", name: "US East", city: "Virginia", continent: "North America", label: "US East (Virginia)", runners: 0, freeSlots: 0, available: false },
  { code: "eu-central", name: "EU Central", city: "Frankfurt", continent: "Europe", label: "EU Central (Frankfurt)", runners: 2, freeSlots: 5, available: true },
  { code: "asia-pacific", name: "Asia Pacific", city: "Singapore", continent: "Asia", label: "Asia Pacific (Singapore)", runners: 0, freeSlots: 0, available: false },
];

describe("LocationDialog", () => {
  it("lists the catalogue with live availability; locations without runners are unavailable", async () => {
    fakeServer({ "GET /api/locations": () => json(catalogue) });
    const onConfirm = vi.fn().mockResolvedValue(undefined);
    render(<LocationDialog onClose={vi.fn()} onConfirm={onConfirm} />);
    expect(await screen.findByText("US East (Virginia)")).toBeTruthy();
    const usEast = screen.getByRole("radio", { name: /US East/ }) as HTMLInputElement;
    const eu = screen.getByRole("radio", { name: /EU Central/ }) as HTMLInputElement;
    expect(usEast.disabled).toBe(true);
    expect(eu.disabled).toBe(false);
    expect(eu.checked).toBe(true);
    expect(screen.getByTestId("location-us-east").textContent).toContain("No runner available");
    expect(screen.getByTestId("location-eu-central").textContent).toContain("2 runners, 5 free slots");

    fireEvent.click(screen.getByRole("button", { name: "Run Test" }));
    await vi.waitFor(() => expect(onConfirm).toHaveBeenCalledWith("eu-central", false));
  });

  it("can queue for a location without runners, and shows a refusal", async () => {
    fakeServer({ "GET /api/locations": () => json(catalogue) });
    const onConfirm = vi.fn().mockRejectedValue(new Error("No runner is available in asia-pacific right now."));
    render(<LocationDialog onClose={vi.fn()} onConfirm={onConfirm} />);
    await screen.findByText("Asia Pacific (Singapore)");
    fireEvent.click(screen.getByRole("checkbox", { name: /Queue the run/ }));
    fireEvent.click(screen.getByRole("radio", { name: /Asia Pacific/ }));
    fireEvent.click(screen.getByRole("button", { name: "Run Test" }));
    await vi.waitFor(() => expect(onConfirm).toHaveBeenCalledWith("asia-pacific", true));
    expect((await screen.findByRole("alert")).textContent).toContain("No runner is available");
  });

  it("closes on Escape", async () => {
    fakeServer({ "GET /api/locations": () => json(catalogue) });
    const onClose = vi.fn();
    render(<LocationDialog onClose={onClose} onConfirm={vi.fn()} />);
    await screen.findByText("US East (Virginia)");
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});

describe("pickDefault", () => {
  it("prefers the asked location when it can run, else the first that can", () => {
    expect(pickDefault(catalogue, "eu-central")).toBe("eu-central");
    expect(pickDefault(catalogue, "us-east")).toBe("eu-central");
    expect(pickDefault(catalogue.map((l) => ({ ...l, available: false })), "asia-pacific")).toBe("asia-pacific");
    expect(pickDefault([], null)).toBeNull();
  });
});
