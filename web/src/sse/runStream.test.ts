import { describe, expect, it, vi } from "vitest";
import { followRun, type StreamState } from "./runStream";
import { json, sse, streamResponse } from "../test/sse";

const noSleep = (_ms: number, _signal: AbortSignal) => Promise.resolve();

function recorder() {
  const lines: string[] = [];
  const states: StreamState[] = [];
  const statuses: string[] = [];
  const completes: string[] = [];
  return {
    lines,
    states,
    statuses,
    completes,
    handlers: {
      onConsole: (d: { lines: string[] }) => lines.push(...d.lines),
      onStatus: (d: { status: string }) => statuses.push(d.status),
      onComplete: (d: { status: string }) => completes.push(d.status),
      onState: (s: StreamState) => states.push(s),
    },
  };
}

describe("followRun", () => {
  it("resumes after a dropped connection with Last-Event-ID, without loss or repeats", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(
        streamResponse([
          sse("status", { status: "running", testId: null }, 1),
          sse("console", { lines: ["line 1", "line 2"], testId: "t", truncated: false }, 2),
          ": keep-alive\n\n",
        ]),
      )
      .mockResolvedValueOnce(
        streamResponse([
          sse("console", { lines: ["line 3"], testId: "t", truncated: false }, 3),
          sse("status", { status: "passed", testId: null }, 4),
          sse("complete", { status: "passed" }, 4),
        ]),
      );
    const rec = recorder();
    const handle = followRun("run-1", rec.handlers, { fetch, sleep: noSleep });
    await handle.done;

    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[0]![0]).toBe("/api/runs/run-1/stream");
    expect(fetch.mock.calls[0]![1].headers["Last-Event-ID"]).toBeUndefined();
    expect(fetch.mock.calls[1]![1].headers["Last-Event-ID"]).toBe("2");
    expect(rec.lines).toEqual(["line 1", "line 2", "line 3"]);
    expect(rec.statuses).toEqual(["running", "passed"]);
    expect(rec.completes).toEqual(["passed"]);
    expect(rec.states).toEqual(["connecting", "open", "reconnecting", "open", "closed"]);
    expect(handle.lastEventId).toBe("4");
  });

  it("retries after network errors and server errors, backing off", async () => {
    const sleep = vi.fn(noSleep);
    const fetch = vi
      .fn()
      .mockRejectedValueOnce(new TypeError("network down"))
      .mockResolvedValueOnce(json({ status: 503, detail: "NATS down" }, 503))
      .mockResolvedValueOnce(streamResponse([sse("complete", { status: "failed" }, 10)]));
    const rec = recorder();
    await followRun("r", rec.handlers, { fetch, sleep, minRetryMs: 100 }).done;
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(sleep.mock.calls.map((c) => c[0])).toEqual([200, 400]);
    expect(rec.completes).toEqual(["failed"]);
  });

  it("gives up on a permanent client error and says why", async () => {
    const fetch = vi.fn().mockResolvedValue(json({ status: 404, detail: "Not found" }, 404));
    const states: [StreamState, string | undefined][] = [];
    await followRun("r", { onState: (s, d) => states.push([s, d]) }, { fetch, sleep: noSleep }).done;
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(states.at(-1)).toEqual(["failed", "Not found"]);
  });

  it("reconnects when the stream goes silent longer than the idle timeout", async () => {
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(
        streamResponse([sse("console", { lines: ["a"], testId: null, truncated: false }, 1)], { hold: true }),
      )
      .mockResolvedValueOnce(streamResponse([sse("complete", { status: "passed" }, 2)]));
    const rec = recorder();
    await followRun("r", rec.handlers, { fetch, sleep: noSleep, idleTimeoutMs: 30 }).done;
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[1]![1].headers["Last-Event-ID"]).toBe("1");
    expect(rec.lines).toEqual(["a"]);
  });

  it("stops for good on close()", async () => {
    const fetch = vi.fn(
      (_path: string, init: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        }),
    );
    const rec = recorder();
    const handle = followRun("r", rec.handlers, { fetch, sleep: noSleep });
    handle.close();
    await handle.done;
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(rec.states.at(-1)).toBe("closed");
  });
});
