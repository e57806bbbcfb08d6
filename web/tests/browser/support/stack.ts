/**
 * The real stack for the browser tests: `python -m ops.up` (embedded PostgreSQL, nats-server, backend, one
 * runner) on free ports with a throw-away data directory, stopped (and waited for) at the end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, WEB_DIST } from "./paths";

export interface Stack {
  baseUrl: string;
  apiKey: string;
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`ops.up exited with ${child.exitCode} while starting:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${url}/ready`);
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url}/ready did not answer 200 within ${timeoutMs / 1000}s (last: ${last})\n${tail(logFile)}`);
}

function tail(file: string, chars = 4000): string {
  try {
    const text = readFileSync(file, "utf8");
    return text.slice(-chars);
  } catch {
    return "(no log)";
  }
}

export async function startStack({ readyTimeoutMs = 180_000 } = {}): Promise<Stack> {
  const python = join(REPO, ".venv", "bin", "python");
  if (!existsSync(python)) throw new Error(`${python} is missing: run \`just install\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), "supercheck-browser-"));
  const [httpPort, natsPort] = [await freePort(), await freePort()];
  const apiKey = `sck_browser_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const logFile = join(dataDir, "up.log");
  const log = createWriteStream(logFile);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SUPERCHECK_DATA_DIR: dataDir,
    SUPERCHECK_HTTP_HOST: "127.0.0.1",
    SUPERCHECK_HTTP_PORT: String(httpPort),
    SUPERCHECK_NATS_HOST: "127.0.0.1",
    SUPERCHECK_NATS_PORT: String(natsPort),
    SUPERCHECK_BOOTSTRAP_API_KEY: apiKey,
    SUPERCHECK_WEB_DIST: WEB_DIST,
    SUPERCHECK_EMBEDDED_RUNNER: "true",
    SUPERCHECK_LOG_FORMAT: "console",
  };
  // The test's own embedded servers, whatever the developer's shell points at.
  for (const name of ["SUPERCHECK_DATABASE_URL", "SUPERCHECK_NATS_URL", "SUPERCHECK_NATS_USER", "SUPERCHECK_NATS_PASSWORD"]) {
    delete env[name];
  }
  const child = spawn(python, ["-m", "ops.up"], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const baseUrl = `http://127.0.0.1:${httpPort}`;

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM"); // ops.up stops the runner, backend, NATS and PostgreSQL in order
      const timer = setTimeout(() => {
        // Last resort, only our own process group: whatever ops.up started and did not stop.
        if (child.pid) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }
      }, 90_000);
      await exited;
      clearTimeout(timer);
    }
    log.end();
    if (!process.env.SUPERCHECK_KEEP_BROWSER_DATA) rmSync(dataDir, { recursive: true, force: true });
  }

  try {
    await waitForReady(baseUrl, child, logFile, readyTimeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { baseUrl, apiKey, dataDir, logFile, stop };
}
