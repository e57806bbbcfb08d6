/** A run's live console and statuses from the SSE stream, as React state. */
import { useEffect, useReducer } from "react";
import { authFetch } from "../api/client";
import { followRun, type StatusData, type StreamState } from "../sse/runStream";

/** Lines kept in the page; older ones are dropped (the full log stays downloadable). */
export const MAX_LINES = 20000;

export interface ConsoleLine {
  text: string;
  testId: string | null;
}

export interface RunStreamState {
  lines: ConsoleLine[];
  dropped: number;
  truncated: boolean;
  /** Latest status per test id ("" for the run itself). */
  statuses: Record<string, StatusData>;
  completeStatus: string | null;
  connection: StreamState;
  connectionDetail: string | null;
  /** Bumped on each status event, so views can refetch the run. */
  statusVersion: number;
}

export type RunStreamAction =
  | { type: "reset" }
  | { type: "console"; lines: string[]; testId: string | null; truncated: boolean }
  | { type: "status"; data: StatusData }
  | { type: "complete"; status: string }
  | { type: "connection"; state: StreamState; detail?: string };

export const initialStreamState: RunStreamState = {
  lines: [],
  dropped: 0,
  truncated: false,
  statuses: {},
  completeStatus: null,
  connection: "connecting",
  connectionDetail: null,
  statusVersion: 0,
};

export function streamReducer(state: RunStreamState, action: RunStreamAction): RunStreamState {
  switch (action.type) {
    case "reset":
      return initialStreamState;
    case "console": {
      const added = action.lines.map((text) => ({ text, testId: action.testId }));
      let lines = state.lines.concat(added);
      let dropped = state.dropped;
      if (lines.length > MAX_LINES) {
        dropped += lines.length - MAX_LINES;
        lines = lines.slice(lines.length - MAX_LINES);
      }
      return { ...state, lines, dropped, truncated: state.truncated || action.truncated };
    }
    case "status":
      return {
        ...state,
        statuses: { ...state.statuses, [action.data.testId ?? ""]: action.data },
        statusVersion: state.statusVersion + 1,
      };
    case "complete":
      return { ...state, completeStatus: action.status, statusVersion: state.statusVersion + 1 };
    case "connection":
      return { ...state, connection: action.state, connectionDetail: action.detail ?? null };
    default:
      return state;
  }
}

export function useRunStream(runId: string | null): RunStreamState {
  const [state, dispatch] = useReducer(streamReducer, initialStreamState);
  useEffect(() => {
    dispatch({ type: "reset" });
    if (!runId) return;
    const handle = followRun(
      runId,
      {
        onConsole: (data) => dispatch({ type: "console", ...data }),
        onStatus: (data) => dispatch({ type: "status", data }),
        onComplete: (data) => dispatch({ type: "complete", status: data.status }),
        onState: (connection, detail) => dispatch({ type: "connection", state: connection, detail }),
      },
      { fetch: authFetch },
    );
    return () => handle.close();
  }, [runId]);
  return state;
}
