"""`just up` (python -m ops.up) as a user meets it: start, use, Ctrl-C, start again, data still there."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from ops import runner as ops_runner
from ops.services import Postgres, free_port, nats_credentials

REPO = Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
TEST_KEY = "sck_test-key-for-ops-up-0123456789abcdefghijkl"
KEY_LINE = re.compile(r"Admin API key\s+(sck_[A-Za-z0-9_-]+)")


class Up:
    """One `python -m ops.up` process; its output goes to a file the test can read."""

    def __init__(self, env: dict[str, str], output: Path) -> None:
        self.env = env
        self.output = output
        self.base_url = f"http://127.0.0.1:{env['SUPERCHECK_HTTP_PORT']}"
        with output.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ops.up"],
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"ops.up exited with {self.proc.returncode}:\n{self.text()[-4000:]}")
            if "Press Ctrl-C to stop." in self.text():  # the banner comes once /ready answered 200
                assert httpx.get(f"{self.base_url}/ready", timeout=5).status_code == 200
                return
            time.sleep(0.25)
        pytest.fail(f"ops.up not ready within {START_TIMEOUT_S} s:\n{self.text()[-4000:]}")

    def banner_key(self) -> str:
        keys = KEY_LINE.findall(self.text())
        assert keys, self.text()[-4000:]
        return str(keys[-1])

    def child_pids(self) -> dict[str, int]:
        record = json.loads((Path(self.env["SUPERCHECK_DATA_DIR"]) / "up.pids.json").read_text())
        return {name: int(entry["pid"]) for name, entry in record.items()}

    def interrupt(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"ops.up did not stop within {STOP_TIMEOUT_S} s after SIGINT:\n{self.text()[-4000:]}")

    def api(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def processes_of(data_dir: Path) -> list[str]:
    """PostgreSQL or nats-server processes still running on ``data_dir``."""
    found = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(f"{proc.info['pid']} {cmdline}")
    return found


@pytest.fixture
def up_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    data_dir = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("SUPERCHECK_")}
    env.update(
        SUPERCHECK_DATA_DIR=str(data_dir),
        SUPERCHECK_HTTP_PORT=str(free_port()),
        SUPERCHECK_NATS_PORT=str(free_port()),
        SUPERCHECK_EMBEDDED_RUNNER="false",
        SUPERCHECK_BOOTSTRAP_API_KEY=TEST_KEY,
    )
    yield env
    # Whatever a failed test left behind: stop the database so no server outlives the test.
    if (data_dir / "postgres" / "postmaster.pid").exists():
        Postgres(pgdata=data_dir / "postgres", socket_dir="").stop()


@pytest.fixture
def start_up(up_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Up]]:
    started: list[Up] = []

    def start(env: dict[str, str] | None = None) -> Up:
        up = Up(env or up_env, tmp_path / f"up-{len(started)}.log")
        started.append(up)
        return up

    yield start
    for up in started:
        if up.proc.poll() is None:
            up.proc.send_signal(signal.SIGINT)
            try:
                up.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                up.proc.kill()


def test_up_serves_the_api_and_keeps_data_across_restarts(start_up, up_env):
    data_dir = Path(up_env["SUPERCHECK_DATA_DIR"])
    first = start_up()
    first.wait_ready()
    assert first.banner_key() == TEST_KEY
    assert f"{first.base_url}/schema" in first.text()
    backend_pid = first.child_pids()["backend"]
    with first.api(TEST_KEY) as api:
        created = api.post("/api/tests", json={"title": "persist me", "type": "api", "script": "console.log(1)"})
        assert created.status_code == 201, created.text

    assert first.interrupt() == 0, first.text()[-4000:]
    assert processes_of(data_dir) == []
    assert not psutil.pid_exists(backend_pid)

    second = start_up()
    second.wait_ready()
    with second.api(TEST_KEY) as api:
        listed = api.get("/api/tests")
        assert listed.status_code == 200, listed.text
        assert "persist me" in [test["title"] for test in listed.json()["items"]]
    assert second.interrupt() == 0


def test_generated_admin_key_is_printed_works_and_survives_a_restart(start_up, up_env):
    env = {key: value for key, value in up_env.items() if key != "SUPERCHECK_BOOTSTRAP_API_KEY"}
    first = start_up(env)
    first.wait_ready()
    key = first.banner_key()
    assert key != TEST_KEY
    key_file = Path(env["SUPERCHECK_DATA_DIR"]) / "admin-api-key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    with first.api(key) as api:
        assert api.get("/api/tests").status_code == 200
        assert api.get("/api/tests", headers={"Authorization": "Bearer sck_wrong"}).status_code == 401
    assert first.interrupt() == 0

    second = start_up(env)
    second.wait_ready()
    assert second.banner_key() == key
    with second.api(key) as api:
        assert api.get("/api/tests").status_code == 200
    assert second.interrupt() == 0


def test_up_fails_fast_when_the_http_port_is_taken(start_up, up_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", int(up_env["SUPERCHECK_HTTP_PORT"])))
        taken.listen()
        up = start_up()
        code = up.proc.wait(STOP_TIMEOUT_S)
    assert code == 1
    assert f"port {up_env['SUPERCHECK_HTTP_PORT']} on 127.0.0.1 is already in use" in up.text()
    assert processes_of(Path(up_env["SUPERCHECK_DATA_DIR"])) == []


def test_up_stops_everything_when_a_part_dies(start_up, up_env):
    up = start_up()
    up.wait_ready()
    os.kill(up.child_pids()["nats-server"], signal.SIGKILL)
    code = up.proc.wait(STOP_TIMEOUT_S)
    assert code == 1
    assert "nats-server exited unexpectedly" in up.text()
    assert processes_of(Path(up_env["SUPERCHECK_DATA_DIR"])) == []


def test_just_runner_connects_as_the_runner_user_of_the_data_dir(tmp_path, monkeypatch):
    creds = nats_credentials(tmp_path, port=free_port())
    for name in ("SUPERCHECK_NATS_URL", "SUPERCHECK_NATS_USER", "SUPERCHECK_NATS_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPERCHECK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPERCHECK_DATABASE_URL", "postgresql+asyncpg://backend-only")
    monkeypatch.setattr(ops_runner, "runner_available", lambda: True)
    monkeypatch.setattr(ops_runner, "venv_bin", lambda name: f"/venv/bin/{name}")
    started: dict[str, object] = {}
    monkeypatch.setattr(ops_runner.os, "execve", lambda path, argv, env: started.update(path=path, env=env))
    with socket.socket() as nats:  # stands in for the nats-server of a running `just up`
        nats.bind((creds.host, creds.port))
        nats.listen()
        assert ops_runner.main() == 0

    env = started["env"]
    assert started["path"] == "/venv/bin/supercheck-runner"
    assert env["SUPERCHECK_NATS_URL"] == creds.url
    assert (env["SUPERCHECK_NATS_USER"], env["SUPERCHECK_NATS_PASSWORD"]) == (creds.runner_user, creds.runner_password)
    assert "SUPERCHECK_DATABASE_URL" not in env


def test_just_runner_explains_when_no_up_ran_in_the_data_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SUPERCHECK_NATS_URL", raising=False)
    monkeypatch.setenv("SUPERCHECK_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(ops_runner, "runner_available", lambda: True)
    assert ops_runner.main() == 1
    assert "start `just up` with the same SUPERCHECK_DATA_DIR" in capsys.readouterr().err
