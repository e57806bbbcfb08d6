/**
 * A parser for `text/event-stream` (the WHATWG Server-Sent Events format), fed text as it arrives.
 * EventSource cannot send an Authorization header, so the SPA reads the stream with fetch and parses it here.
 */

export interface SseEvent {
  /** The event type; "message" when the stream named none. */
  event: string;
  data: string;
  /** The last event id at dispatch time ("" when the stream set none). */
  id: string;
}

export class EventStreamParser {
  /** Carried over between connections: what a reconnect sends as Last-Event-ID. */
  lastEventId: string;
  /** The reconnection delay the server asked for with `retry:`, in ms. */
  retryMs: number | null = null;

  private buffer = "";
  private dataLines: string[] = [];
  private eventType = "";
  private idBuffer: string;
  private skipLeadingLF = false;
  private started = false;

  constructor(lastEventId = "") {
    this.lastEventId = lastEventId;
    this.idBuffer = lastEventId;
  }

  /** Feed decoded text; returns the events completed by it, in order. */
  feed(chunk: string): SseEvent[] {
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLF && text.length > 0) {
      if (text[0] === "\n") text = text.slice(1);
      this.skipLeadingLF = false;
    }
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i];
      if (ch !== "\n" && ch !== "\r") continue;
      const line = this.buffer.slice(start, i);
      if (ch === "\r") {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === "\n") i++;
        } else {
          this.skipLeadingLF = true; // a CRLF split across two chunks
        }
      }
      start = i + 1;
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private processLine(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.dataLines.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.idBuffer = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    this.lastEventId = this.idBuffer;
    const hasData = this.dataLines.length > 0;
    const event: SseEvent = { event: this.eventType || "message", data: this.dataLines.join("\n"), id: this.lastEventId };
    this.dataLines = [];
    this.eventType = "";
    return hasData ? event : null;
  }
}
