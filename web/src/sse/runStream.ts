/**
 * Follows `GET /api/runs/{id}/stream` with fetch (so the credentials and the project header can be sent),
 * parses the events and, when the connection drops, reconnects with `Last-Event-ID` so nothing is lost or
 * repeated.
 */
import { EventStreamParser, type SseEvent } from "./parser";

export interface ConsoleData {
  lines: string[];
  testId: string | null;
  truncated: boolean;
}

export interface StatusData {
  status: string;
  testId: string | null;
  testTitle?: string | null;
  reason?: string | null;
  location?: string | null;
}

export interface CompleteData {
  status: string;
}

export type StreamState = "connecting" | "open" | "reconnecting" | "closed" | "failed";

export interface RunStreamHandlers {
  onConsole?(data: ConsoleData): void;
  onStatus?(data: StatusData): void;
  onComplete?(data: CompleteData): void;
  onState?(state: StreamState, detail?: string): void;
}

export interface RunStreamOptions {
  /** fetch with the session's credentials and project; receives the path and init. */
  fetch: (path: string, init: RequestInit) => Promise<Response>;
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Reconnect when nothing (not even a heartbeat comment) arrived for this long. */
  idleTimeoutMs?: number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RunStreamHandle {
  close(): void;
  readonly lastEventId: string;
  /** Resolves when the stream ends for good (complete, closed or failed). */
  readonly done: Promise<void>;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function parse<T>(event: SseEvent): T | null {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return null;
  }
}

/** A 4xx other than timeouts and rate limits will not get better by retrying. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function followRun(runId: string, handlers: RunStreamHandlers, options: RunStreamOptions): RunStreamHandle {
  const minRetry = options.minRetryMs ?? 1000;
  const maxRetry = options.maxRetryMs ?? 15000;
  const idleTimeout = options.idleTimeoutMs ?? 45000;
  const sleep = options.sleep ?? defaultSleep;
  const stop = new AbortController();
  let lastEventId = "";
  let opened = false;

  async function readOnce(): Promise<"complete" | "ended" | "permanent"> {
    const connection = new AbortController();
    const abortConnection = () => connection.abort();
    stop.signal.addEventListener("abort", abortConnection);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(), idleTimeout);
    };
    try {
      const headers: Record<string, string> = { Accept: "text/event-stream" };
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      armIdle();
      const response = await options.fetch(`/api/runs/${encodeURIComponent(runId)}/stream`, {
        headers,
        signal: connection.signal,
        cache: "no-store",
      });
      if (!response.ok || !response.body) {
        if (isPermanent(response.status)) {
          handlers.onState?.("failed", await describe(response));
          return "permanent";
        }
        return "ended";
      }
      opened = true;
      handlers.onState?.("open");
      const parser = new EventStreamParser(lastEventId);
      const reader = response.body.getReader();
      // Aborting (idle timeout, close()) must also end a read in progress, whatever the fetch implementation.
      connection.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
      if (connection.signal.aborted) return "ended";
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        for (const event of parser.feed(decoder.decode(value, { stream: true }))) {
          lastEventId = parser.lastEventId;
          if (dispatch(event)) {
            await reader.cancel().catch(() => undefined);
            return "complete";
          }
        }
        lastEventId = parser.lastEventId;
      }
      return "ended";
    } catch {
      return "ended"; // network error, idle timeout or close(): the loop decides
    } finally {
      clearTimeout(idle);
      stop.signal.removeEventListener("abort", abortConnection);
    }
  }

  /** Hands one event to its handler; true when it ends the run. */
  function dispatch(event: SseEvent): boolean {
    if (event.event === "console") {
      const data = parse<ConsoleData>(event);
      if (data) handlers.onConsole?.({ lines: data.lines ?? [], testId: data.testId ?? null, truncated: !!data.truncated });
    } else if (event.event === "status") {
      const data = parse<StatusData>(event);
      if (data) handlers.onStatus?.(data);
    } else if (event.event === "complete") {
      handlers.onComplete?.(parse<CompleteData>(event) ?? { status: "unknown" });
      return true;
    }
    return false;
  }

  const done = (async () => {
    handlers.onState?.("connecting");
    let failures = 0;
    while (!stop.signal.aborted) {
      opened = false;
      const outcome = await readOnce();
      if (stop.signal.aborted) break;
      if (outcome === "complete") {
        handlers.onState?.("closed");
        return;
      }
      if (outcome === "permanent") return;
      // A connection that worked and then dropped is retried at once-ish; repeated failures back off.
      failures = opened ? 0 : failures + 1;
      handlers.onState?.("reconnecting");
      await sleep(Math.min(maxRetry, minRetry * 2 ** Math.min(failures, 6)), stop.signal);
    }
    handlers.onState?.("closed");
  })();

  return {
    close: () => stop.abort(),
    get lastEventId() {
      return lastEventId;
    },
    done,
  };
}

async function describe(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { detail?: string };
    if (body.detail) return body.detail;
  } catch {
    /* not JSON */
  }
  return `The live stream is unavailable (HTTP ${response.status})`;
}
