import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { api } from "../api/client";
import { emptyTest, parseTags, TestForm } from "./TestForm";

// CodeMirror needs a real layout engine; a textarea stands in for it here (the browser tests use the real one).
vi.mock("./ScriptEditor", () => ({
  ScriptEditor: ({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) => (
    <textarea aria-label={label} value={value} onChange={(e) => onChange(e.target.value)} />
  ),
}));

beforeEach(() => {
  vi.spyOn(api, "validateScript").mockResolvedValue({ valid: true, errors: [], warnings: [] });
});

describe("TestForm", () => {
  it("hides the type selector and the priority field for performance tests", () => {
    render(<TestForm initial={emptyTest("performance")} editing={false} onSubmit={vi.fn()} />);
    expect(screen.getByLabelText("Title")).toBeTruthy();
    expect(screen.getByLabelText("Tags")).toBeTruthy();
    expect(screen.queryByLabelText("Test Type")).toBeNull();
    expect(screen.queryByLabelText("Priority")).toBeNull();
    expect(screen.getByText(/configured in the k6 script itself/)).toBeTruthy();
  });

  it("shows type and priority for the other test types", () => {
    render(<TestForm initial={emptyTest("api")} editing={false} onSubmit={vi.fn()} />);
    const type = screen.getByLabelText("Test Type") as HTMLSelectElement;
    expect(Array.from(type.options).map((o) => o.textContent)).toEqual([
      "Browser Test",
      "API Test",
      "Database Test",
      "Custom Test",
    ]);
    expect(type.value).toBe("api");
    expect((screen.getByLabelText("Priority") as HTMLSelectElement).value).toBe("medium");
  });

  it("locks the type of a saved test", () => {
    render(<TestForm initial={emptyTest("browser")} editing onSubmit={vi.fn()} />);
    expect((screen.getByLabelText("Test Type") as HTMLSelectElement).disabled).toBe(true);
  });

  it("submits a performance test without a priority, with parsed tags", async () => {
    const onSubmit = vi.fn().mockResolvedValue(undefined);
    render(<TestForm initial={emptyTest("performance")} editing={false} onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText("Title"), { target: { value: " Checkout " } });
    fireEvent.change(screen.getByLabelText("Tags"), { target: { value: "shop, load, shop," } });
    fireEvent.click(screen.getByRole("button", { name: "Create test" }));
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledOnce());
    const values = onSubmit.mock.calls[0]![0];
    expect(values).toMatchObject({ title: "Checkout", type: "performance", priority: null, tags: ["shop", "load"] });
    expect(values.script).toContain("import http from 'k6/http'");
  });

  it("shows the script's problems inline as the user types", async () => {
    render(<TestForm initial={emptyTest("performance")} editing={false} onSubmit={vi.fn()} />);
    fireEvent.change(screen.getByLabelText("Test script"), { target: { value: "const x = 1;" } });
    expect(await screen.findByText("Script must export a default function")).toBeTruthy();
  });
});

describe("parseTags", () => {
  it("trims, drops empties and duplicates", () => {
    expect(parseTags(" a, b,,a , c ")).toEqual(["a", "b", "c"]);
  });
});
