import { describe, expect, it } from "vitest";
import { EventStreamParser } from "./parser";

describe("EventStreamParser", () => {
  it("parses named events with ids and JSON data", () => {
    const parser = new EventStreamParser();
    const events = parser.feed('id: 7\nevent: console\ndata: {"lines":["a"]}\n\n');
    expect(events).toEqual([{ event: "console", data: '{"lines":["a"]}', id: "7" }]);
    expect(parser.lastEventId).toBe("7");
  });

  it("joins multi-line data and defaults the type to message", () => {
    const events = new EventStreamParser().feed("data: one\ndata: two\n\n");
    expect(events).toEqual([{ event: "message", data: "one\ntwo", id: "" }]);
  });

  it("ignores heartbeat comments and unknown fields", () => {
    const parser = new EventStreamParser();
    expect(parser.feed(": keep-alive\n\n")).toEqual([]);
    expect(parser.feed("foo: bar\ndata: x\n\n")).toEqual([{ event: "message", data: "x", id: "" }]);
  });

  it("assembles events split anywhere across chunks, including inside CRLF", () => {
    const parser = new EventStreamParser();
    const text = 'id: 1\r\nevent: status\r\ndata: {"status":"running"}\r\n\r\nid: 2\r\nevent: complete\r\ndata: {}\r\n\r\n';
    const events = [];
    for (let i = 0; i < text.length; i += 3) events.push(...parser.feed(text.slice(i, i + 3)));
    expect(events.map((e) => [e.id, e.event, e.data])).toEqual([
      ["1", "status", '{"status":"running"}'],
      ["2", "complete", "{}"],
    ]);
  });

  it("keeps the last id for events without one, and across a reconnect", () => {
    const parser = new EventStreamParser();
    parser.feed("id: 41\ndata: a\n\n");
    expect(parser.feed("data: b\n\n")[0]?.id).toBe("41");
    const resumed = new EventStreamParser(parser.lastEventId);
    expect(resumed.feed("data: c\n\n")[0]?.id).toBe("41");
  });

  it("updates the last id even from an event without data", () => {
    const parser = new EventStreamParser();
    expect(parser.feed("id: 9\n\n")).toEqual([]);
    expect(parser.lastEventId).toBe("9");
  });

  it("does not dispatch an incomplete event", () => {
    const parser = new EventStreamParser();
    expect(parser.feed("event: console\ndata: x\n")).toEqual([]);
    expect(parser.feed("\n")).toHaveLength(1);
  });

  it("reads retry and strips one leading space only, and a BOM", () => {
    const parser = new EventStreamParser();
    const events = parser.feed("\uFEFFretry: 2500\ndata:  two spaces\n\n");
    expect(parser.retryMs).toBe(2500);
    expect(events[0]?.data).toBe(" two spaces");
  });

  it("ignores an id containing NUL", () => {
    const parser = new EventStreamParser("5");
    parser.feed("id: a\u0000b\ndata: x\n\n");
    expect(parser.lastEventId).toBe("5");
  });
});
