/** A fetch stand-in for component tests: routes by method and path; SSE streams can be fed while open. */
import { vi } from "vitest";

type Handler = (request: Request) => Response | Promise<Response>;

export class FeedableStream {
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly response: Response;

  constructor() {
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (this.controller = c) });
    this.response = new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  }

  push(text: string) {
    this.controller.enqueue(new TextEncoder().encode(text));
  }

  end() {
    this.controller.close();
  }
}

export function fakeServer(routes: Record<string, Handler>) {
  const calls: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    calls.push(request);
    const url = new URL(request.url);
    const key = `${request.method} ${url.pathname}`;
    const handler = routes[key];
    if (!handler) return new Response(JSON.stringify({ status: 404, detail: `No route ${key}` }), { status: 404 });
    return handler(request);
  });
  vi.stubGlobal("fetch", fetch);
  return { fetch, calls };
}
