"""`just up`: the whole stack on one machine — PostgreSQL, nats-server, migrations, the backend and a runner.

Stops everything it started, in reverse order, on Ctrl-C or SIGTERM (exit 0) or when a part dies (exit 1).
"""

import fcntl
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ops.children import Child, PidRecord, file_tail, wait_for_exit, write_line
from ops.runner import runner_available, runner_env
from ops.services import (
    NatsCredentials,
    Postgres,
    nats_credentials,
    postmaster_pid,
    start_nats,
    start_postgres,
    stop_process,
    venv_bin,
)
from ops.up_config import StartupError, UpConfig, admin_api_key, ensure_port_free

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 90.0


class Interrupted(Exception):  # noqa: N818 - not an error: the user asked us to stop
    """SIGINT or SIGTERM arrived during start-up."""


class Stack:
    """The processes of one `just up`, started in order and stopped in reverse."""

    def __init__(self, config: UpConfig) -> None:
        self.config = config
        self.logs = config.data_dir / "logs"
        self.stopping = threading.Event()
        self.pids = PidRecord(config.data_dir)
        self.postgres: Postgres | None = None
        self.children: list[Child] = []
        self.nats_proc: Callable[[], int | None] | None = None
        self._stops: list[tuple[str, Callable[[], None]]] = []
        self._lock_file: int | None = None
        self.runner_note = "disabled (SUPERCHECK_EMBEDDED_RUNNER=false)"

    def say(self, message: str, level: str = "info") -> None:
        if self.config.json_logs:
            write_line(json.dumps({"event": message, "level": level, "logger": "up", "timestamp": _now()}))
        else:
            write_line(f"{'up':<8}| {message}")

    def _check_stop(self) -> None:
        if self.stopping.is_set():
            raise Interrupted

    def start(self) -> None:
        cfg = self.config
        self.logs.mkdir(parents=True, exist_ok=True)
        self._lock_data_dir()
        self.pids.stop_leftovers(self.say)
        ensure_port_free(cfg.http_host, cfg.http_port, "SUPERCHECK_HTTP_PORT to a free port")
        if cfg.nats_url is None:
            ensure_port_free(cfg.nats_host, cfg.nats_port, "SUPERCHECK_NATS_PORT to a free port")
        database_url = cfg.database_url or self._start_postgres()
        self._check_stop()
        creds = None if cfg.nats_url else self._start_nats()
        self._check_stop()
        env = self._backend_env(database_url, creds)
        self._migrate(env)
        self._start_backend(env)
        self._start_runner(creds)

    def _lock_data_dir(self) -> None:
        fd = os.open(self.config.data_dir / "up.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StartupError(f"another `just up` is running with the data directory {self.config.data_dir}") from None
        self._lock_file = fd  # held until this process exits

    def _start_postgres(self) -> str:
        pgdata = self.config.data_dir / "postgres"
        self.say(f"starting PostgreSQL ({pgdata})")
        stopper = Postgres(pgdata=pgdata, socket_dir="")
        self._stops.append(("PostgreSQL", stopper.stop))  # before starting: a half-started server is stopped too
        try:
            self.postgres = start_postgres(pgdata)
        except Exception as exc:
            raise StartupError(f"PostgreSQL did not start: {exc}", file_tail(stopper.log_file)) from exc
        link = self.logs / "postgres.log"
        if not link.is_symlink():  # pgserver keeps the server log inside pgdata
            link.unlink(missing_ok=True)
            link.symlink_to(self.postgres.log_file)
        return self.postgres.url()

    def _start_nats(self) -> NatsCredentials:
        cfg = self.config
        creds = nats_credentials(cfg.data_dir, cfg.nats_host, cfg.nats_port)
        self.say(f"starting nats-server with JetStream ({creds.url})")
        try:
            proc = start_nats(cfg.data_dir, creds, log_file=self.logs / "nats.log")
        except RuntimeError as exc:
            raise StartupError(str(exc), file_tail(self.logs / "nats.log")) from exc
        self.pids.add("nats-server", proc.pid)
        self.nats_proc = proc.poll

        def stop() -> None:
            stop_process(proc)
            self.pids.remove("nats-server")

        self._stops.append(("nats-server", stop))
        return creds

    def _backend_env(self, database_url: str, creds: NatsCredentials | None) -> dict[str, str]:
        cfg = self.config
        env = dict(os.environ)
        env.update(
            SUPERCHECK_DATABASE_URL=database_url,
            SUPERCHECK_BOOTSTRAP_API_KEY=admin_api_key(cfg),
            SUPERCHECK_HTTP_HOST=cfg.http_host,
            SUPERCHECK_HTTP_PORT=str(cfg.http_port),
            SUPERCHECK_DATA_DIR=str(cfg.data_dir),
            PYTHONUNBUFFERED="1",
        )
        if creds is not None:
            env.update(
                SUPERCHECK_NATS_URL=creds.url,
                SUPERCHECK_NATS_USER=creds.backend_user,
                SUPERCHECK_NATS_PASSWORD=creds.backend_password,
            )
        env.setdefault("SUPERCHECK_ENV", "development")
        return env

    def _child(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        prefix = "" if self.config.json_logs else f"{name:<8}| "
        return Child(name, argv, env=env, cwd=REPO, log_file=self.logs / f"{name}.log", prefix=prefix)

    def _migrate(self, env: dict[str, str]) -> None:
        self.say("applying database migrations")
        child = self._child("migrate", [venv_bin("supercheck"), "migrate"], env)
        code = wait_for_exit(child, self.stopping)
        if code is None:
            child.stop()
            raise Interrupted
        if code != 0:
            raise StartupError(f"`supercheck migrate` failed with exit code {code}", child.last_output())

    def _start_backend(self, env: dict[str, str]) -> None:
        cfg = self.config
        self.say(f"starting the backend on {cfg.base_url}")
        argv = [venv_bin("granian"), "--interface", "asgi", "--factory", "backend.app:create_app"]
        argv += ["--host", cfg.http_host, "--port", str(cfg.http_port)]
        self._track(self._child("backend", argv, env), grace_s=15)
        self._wait_ready(self.children[-1])

    def _start_runner(self, creds: NatsCredentials | None) -> None:
        if not self.config.embedded_runner:
            return
        if not runner_available():
            self.runner_note = "not in this checkout yet (runner/main.py)"
            return
        env = runner_env({**os.environ, "SUPERCHECK_DATA_DIR": str(self.config.data_dir)}, creds)
        self.say("starting one embedded runner")
        self._track(self._child("runner", [venv_bin("supercheck-runner")], env), grace_s=45)  # its own grace is 30 s
        self.runner_note = "one embedded runner (`just runner` starts more)"

    def _track(self, child: Child, grace_s: float) -> None:
        self.children.append(child)
        self.pids.add(child.name, child.pid)

        def stop() -> None:
            child.stop(grace_s)
            self.pids.remove(child.name)

        self._stops.append((child.name, stop))

    def _wait_ready(self, backend: Child) -> None:
        url = self.config.base_url + "/ready"
        deadline = time.monotonic() + READY_TIMEOUT_S
        last = "no answer"
        while time.monotonic() < deadline:
            self._check_stop()
            code = backend.poll()
            if code is not None:
                raise StartupError(f"the backend exited with code {code} while starting", backend.last_output())
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http URL
                    if response.status == 200:  # noqa: PLR2004
                        return
            except urllib.error.HTTPError as exc:
                last = f"{exc.code} {exc.read(500).decode('utf-8', 'replace')}"
            except (OSError, TimeoutError) as exc:
                last = str(exc)
            self.stopping.wait(0.25)
        raise StartupError(
            f"{url} did not answer 200 within {READY_TIMEOUT_S:.0f} s (last: {last})",
            backend.last_output() + self._unready_logs(last),
        )

    def _unready_logs(self, ready_answer: str) -> str:
        """The log of each dependency that /ready reports as not ok (``{"database": "ok", "nats": "…"}``)."""
        try:
            checks = json.loads(ready_answer.split(" ", 1)[1])
        except (IndexError, ValueError):
            return ""
        if not isinstance(checks, dict):
            return ""
        detail = ""
        for check, name, variable, log in (
            ("database", "PostgreSQL", "SUPERCHECK_DATABASE_URL", "postgres.log"),
            ("nats", "nats-server", "SUPERCHECK_NATS_URL", "nats.log"),
        ):
            if checks.get(check, "ok") == "ok":
                continue
            if os.environ.get(variable):
                detail += f"\n--- {name} is the one of {variable}: is it reachable from here? ---"
            else:
                detail += f"\n--- {name} log ---\n" + file_tail(self.logs / log)
        return detail

    def banner(self) -> None:
        base, key = self.config.base_url, admin_api_key(self.config)
        if self.config.json_logs:
            fields = {
                "url": base,
                "api_docs": f"{base}/schema",
                "admin_api_key": key,
                "sign_in": f"{base} (the first account created there owns the default project)",
                "runner": self.runner_note,
            }
            write_line(json.dumps({"event": "up.ready", "level": "info", "logger": "up", **fields}))
            return
        lines = [
            "",
            "Supercheck Performance is up",
            f"  URL            {base}",
            f"  Sign in        open {base}: the first account you create owns the default project;",
            "                 or sign in there with the admin API key below",
            f"  API docs       {base}/schema",
            f"  Admin API key  {key}",
            f"  Try it         curl -H 'Authorization: Bearer {key}' {base}/api/tests",
            f"  Runner         {self.runner_note}",
            f"  Data           {self.config.data_dir} (logs in {self.logs})",
            "Press Ctrl-C to stop.",
            "",
        ]
        write_line("\n".join(lines))

    def watch(self) -> int:
        """Until a signal (0) or until a part of the stack dies (1)."""
        while not self.stopping.wait(0.5):
            for child in self.children:
                code = child.poll()
                if code is not None:
                    self.say(f"{child.name} exited unexpectedly with code {code}", "error")
                    return 1
            if self.nats_proc is not None and (code := self.nats_proc()) is not None:
                self.say(f"nats-server exited unexpectedly with code {code}; see {self.logs / 'nats.log'}", "error")
                return 1
            if self.postgres is not None and postmaster_pid(self.postgres.pgdata) is None:
                self.say(f"PostgreSQL stopped unexpectedly; see {self.logs / 'postgres.log'}", "error")
                return 1
        return 0

    def stop_all(self) -> None:
        while self._stops:
            name, stop = self._stops.pop()
            self.say(f"stopping {name}")
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stop the rest whatever one of them does
                self.say(f"could not stop {name}: {exc}", "error")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def main() -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # pgserver's, harmless
    try:
        stack = Stack(UpConfig.from_env())
    except StartupError as exc:
        print(f"up: {exc}", file=sys.stderr)
        return 1

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stack.stopping.set()  # only that: printing here could interleave with a write in progress

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        stack.start()
        stack.banner()
        code = stack.watch()
    except Interrupted:
        code = 0
    except StartupError as exc:
        stack.say(str(exc), "error")
        if exc.detail:
            write_line(exc.detail)
        code = 1
    finally:
        if stack.stopping.is_set():
            stack.say("stopping (signal received)")
        stack.stop_all()
    stack.say("stopped" if code == 0 else f"stopped after a failure (exit code {code})")
    return code


if __name__ == "__main__":
    sys.exit(main())
