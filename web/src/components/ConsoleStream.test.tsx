import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { ConsoleStream, isAtBottom } from "./ConsoleStream";

/** jsdom has no layout: give the console body a fixed viewport and a content height per line. */
function fakeLayout(el: HTMLElement, lineHeight = 20, viewport = 100) {
  Object.defineProperty(el, "clientHeight", { configurable: true, get: () => viewport });
  Object.defineProperty(el, "scrollHeight", {
    configurable: true,
    get: () => el.querySelectorAll(".console-line").length * lineHeight,
  });
}

function lines(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => `line ${from + i}`);
}

describe("isAtBottom", () => {
  it("is true within the threshold of the end only", () => {
    expect(isAtBottom({ scrollTop: 900, scrollHeight: 1000, clientHeight: 100 })).toBe(true);
    expect(isAtBottom({ scrollTop: 880, scrollHeight: 1000, clientHeight: 100 })).toBe(true);
    expect(isAtBottom({ scrollTop: 800, scrollHeight: 1000, clientHeight: 100 })).toBe(false);
  });
});

describe("ConsoleStream", () => {
  it("says it is waiting until the first line arrives", () => {
    const { rerender } = render(<ConsoleStream lines={[]} connection="open" />);
    expect(screen.getByText("Waiting for output…")).toBeTruthy();
    expect(screen.getByTestId("console-connection").textContent).toContain("Live");
    rerender(<ConsoleStream lines={["     /\\      Grafana   /‾‾/"]} connection="open" />);
    expect(screen.queryByText("Waiting for output…")).toBeNull();
    expect(screen.getAllByTestId("console-line")).toHaveLength(1);
  });

  it("shows a finished run's empty console as such", () => {
    render(<ConsoleStream lines={[]} live={false} />);
    expect(screen.getByText("No console output.")).toBeTruthy();
  });

  it("follows new output while the user is at the bottom", () => {
    const { rerender } = render(<ConsoleStream lines={lines(3)} />);
    const body = screen.getByTestId("console-body");
    fakeLayout(body);
    rerender(<ConsoleStream lines={lines(20)} />);
    expect(body.scrollTop).toBe(400);
    rerender(<ConsoleStream lines={lines(30)} />);
    expect(body.scrollTop).toBe(600);
    expect(screen.queryByRole("button", { name: /new line/ })).toBeNull();
  });

  it("stops following when the user scrolls up, and offers a jump back", () => {
    const { rerender } = render(<ConsoleStream lines={lines(3)} />);
    const body = screen.getByTestId("console-body");
    fakeLayout(body);
    rerender(<ConsoleStream lines={lines(20)} />);
    body.scrollTop = 100; // the user scrolls up to read
    fireEvent.scroll(body);
    rerender(<ConsoleStream lines={lines(25)} />);
    expect(body.scrollTop).toBe(100);
    const jump = screen.getByRole("button", { name: "5 new lines" });
    fireEvent.click(jump);
    expect(body.scrollTop).toBe(500);
    expect(screen.queryByRole("button", { name: /new line/ })).toBeNull();
    rerender(<ConsoleStream lines={lines(26)} />);
    expect(body.scrollTop).toBe(520); // following again
  });

  it("resumes following when the user scrolls back to the end", () => {
    const { rerender } = render(<ConsoleStream lines={lines(20)} />);
    const body = screen.getByTestId("console-body");
    fakeLayout(body);
    body.scrollTop = 0;
    fireEvent.scroll(body);
    rerender(<ConsoleStream lines={lines(22)} />);
    expect(body.scrollTop).toBe(0);
    body.scrollTop = 440 - 100;
    fireEvent.scroll(body);
    rerender(<ConsoleStream lines={lines(23)} />);
    expect(body.scrollTop).toBe(460);
  });

  it("notes dropped and truncated output and reconnects", () => {
    render(<ConsoleStream lines={["x"]} dropped={1200} truncated connection="reconnecting" />);
    expect(screen.getByText(/1,200 earlier lines not shown/)).toBeTruthy();
    expect(screen.getByText(/Output truncated/)).toBeTruthy();
    expect(screen.getByTestId("console-connection").textContent).toContain("reconnecting");
  });
});
