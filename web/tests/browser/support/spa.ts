/**
 * Makes sure the browser tests use a current build of web/dist, served by the backend. Until the backend
 * serves the SPA (backend/web.py wired into the app), a small local server stands in: it serves web/dist the
 * same way and forwards every backend path to the stack, so the pages still talk to the real API.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, readdirSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { WEB, WEB_DIST } from "./paths";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
};
const BACKEND = ["/api", "/schema", "/health", "/ready", "/metrics"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "tests"].includes(entry.name) || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than a source file (as `just install` does). */
export function ensureBuilt(): void {
  const index = join(WEB_DIST, "index.html");
  if (existsSync(index) && statSync(index).mtimeMs >= newestSource(WEB)) return;
  execFileSync("npm", ["run", "build"], { cwd: WEB, stdio: "inherit" });
}

export async function backendServesSpa(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/runs`);
    return response.ok && (await response.text()).includes('<div id="root">');
  } catch {
    return false;
  }
}

export interface Proxy {
  url: string;
  /** The Last-Event-ID header of every stream request seen, in order ("" when absent). */
  streamRequests: string[];
  /** Cuts every open run stream, as a flaky network would. */
  dropStreams: () => number;
  close: () => Promise<void>;
}

/**
 * A local front for the stack: serves web/dist (when `serveDist`) and forwards backend paths to the stack.
 * It also lets a test cut the live streams, to check that the app resumes them.
 */
export async function startProxy(backendUrl: string, { serveDist }: { serveDist: boolean }): Promise<Proxy> {
  const backend = new URL(backendUrl);
  const streamRequests: string[] = [];
  const openStreams = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!serveDist || BACKEND.some((p) => path === p || path.startsWith(`${p}/`))) {
      const isStream = /^\/api\/runs\/[^/]+\/stream$/.test(path);
      if (isStream) streamRequests.push(String(req.headers["last-event-id"] ?? ""));
      const upstream = httpRequest(
        { host: backend.hostname, port: backend.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
      if (isStream) {
        const cut = () => {
          upstream.destroy();
          res.socket?.destroy();
        };
        openStreams.add(cut);
        res.on("close", () => openStreams.delete(cut));
      }
      res.on("close", () => upstream.destroy());
      return;
    }
    const file = normalize(join(WEB_DIST, decodeURIComponent(path)));
    const inside = file.startsWith(WEB_DIST + sep);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : join(WEB_DIST, "index.html");
    res.writeHead(200, { "Content-Type": TYPES[extname(target)] ?? "application/octet-stream" });
    res.end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    streamRequests,
    dropStreams: () => {
      const cuts = [...openStreams];
      openStreams.clear();
      for (const cut of cuts) cut();
      return cuts.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
