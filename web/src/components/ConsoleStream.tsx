/**
 * The live k6 console: monospace on a dark background, "Waiting for output…" until the first line,
 * follows new output while the user is at the bottom and stops following when they scroll up.
 */
import { useLayoutEffect, useRef, useState } from "react";
import { ArrowDown } from "lucide-react";
import type { StreamState } from "../sse/runStream";

/** Within this many pixels of the end counts as "at the bottom" (sub-pixel rounding, a last partial line). */
export const STICK_THRESHOLD_PX = 24;

export function isAtBottom(
  el: { scrollTop: number; scrollHeight: number; clientHeight: number },
  threshold = STICK_THRESHOLD_PX,
): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= threshold;
}

const CONNECTION_TEXT: Record<StreamState, string> = {
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Connection lost, reconnecting…",
  closed: "Ended",
  failed: "Live output unavailable",
};

export interface ConsoleStreamProps {
  lines: readonly string[];
  title?: string;
  connection?: StreamState;
  connectionDetail?: string | null;
  truncated?: boolean;
  dropped?: number;
  /** Whether more output may still come (shows "Waiting for output…" while empty). */
  live?: boolean;
}

export function ConsoleStream({
  lines,
  title = "Console output",
  connection,
  connectionDetail,
  truncated = false,
  dropped = 0,
  live = true,
}: ConsoleStreamProps) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const seen = useRef(0);
  const [unseen, setUnseen] = useState(0);
  const total = lines.length + dropped;

  useLayoutEffect(() => {
    const el = bodyRef.current;
    const added = total - seen.current;
    seen.current = total;
    if (!el || added <= 0) return;
    if (following.current) el.scrollTop = el.scrollHeight;
    else setUnseen((n) => n + added);
  }, [total]);

  function onScroll() {
    const el = bodyRef.current;
    if (!el) return;
    following.current = isAtBottom(el);
    if (following.current) setUnseen(0);
  }

  function jumpToEnd() {
    const el = bodyRef.current;
    if (!el) return;
    following.current = true;
    el.scrollTop = el.scrollHeight;
    setUnseen(0);
  }

  return (
    <section className="console" aria-label={title}>
      <div className="console-head">
        <span>{title}</span>
        {connection && (
          <span className="conn" data-testid="console-connection" title={connectionDetail ?? undefined}>
            <span className={`dot${connection === "open" ? " dot-ok" : ""}`} aria-hidden="true" />
            {connection === "failed" && connectionDetail ? connectionDetail : CONNECTION_TEXT[connection]}
          </span>
        )}
      </div>
      <div
        ref={bodyRef}
        className="console-body"
        role="log"
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
        data-testid="console-body"
      >
        {dropped > 0 && (
          <div className="console-line console-note">
            … {dropped.toLocaleString("en-US")} earlier lines not shown (download console.log for all of it)
          </div>
        )}
        {lines.length === 0 && (
          <div className="console-line console-waiting">{live ? "Waiting for output…" : "No console output."}</div>
        )}
        {lines.map((line, i) => (
          <div key={dropped + i} className="console-line" data-testid="console-line">
            {line}
          </div>
        ))}
        {truncated && (
          <div className="console-line console-note">
            Output truncated by the runner (limit reached); the stored log has the rest it kept.
          </div>
        )}
      </div>
      {unseen > 0 && (
        <button type="button" className="btn btn-sm console-jump" onClick={jumpToEnd}>
          <ArrowDown aria-hidden="true" /> {unseen} new {unseen === 1 ? "line" : "lines"}
        </button>
      )}
    </section>
  );
}
