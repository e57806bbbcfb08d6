/** The only thing the browser tests load: a tiny HTTP server on 127.0.0.1 that counts requests. */
import { createServer, type Server } from "node:http";

export interface Target {
  url: string;
  hits: () => number;
  close: () => Promise<void>;
}

export async function startTarget(): Promise<Target> {
  let hits = 0;
  const server: Server = createServer((request, response) => {
    hits++;
    const body = JSON.stringify({ ok: true, path: request.url });
    response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    response.end(body);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
