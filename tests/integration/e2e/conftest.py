"""The whole path on real processes: backend (uvicorn), `supercheck-runner` processes, nats-server, k6.

This directory gets its own nats-server so that run requests and heartbeats of other suites cannot
reach these runners. Load goes only to the target server these tests start on 127.0.0.1.
"""

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.core.settings import Settings
from ops import services
from schema.artifacts import store_settings_from_env
from tests.conftest import marked_settings, own_nats_server
from tests.support.target import Target, serve_target

CANARY = "canary-value-the-runner-must-not-leak"
RUNNER = str(Path(sys.executable).with_name("supercheck-runner"))


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.NatsCredentials]:
    yield from own_nats_server(tmp_path_factory, "e2e-nats")


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if "s3_server" in request.fixturenames:  # the backend reads the store the runners write
        settings = dataclasses.replace(
            settings, artifact_store=store_settings_from_env(request.getfixturevalue("s3_server"))
        )
    return marked_settings(
        settings,
        request,
        watchdog_interval_s=0.5,
        runner_heartbeat_grace_s=3.0,
        sse_heartbeat_s=1.0,
        sse_release_grace_s=0.5,
    )


@pytest.fixture
def target() -> Iterator[Target]:
    with serve_target() as served:
        yield served


class Runners:
    """Starts `supercheck-runner` processes the way an operator would, and stops them."""

    def __init__(self, creds: services.NatsCredentials, work: Path) -> None:
        self._creds = creds
        self._work = work
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(
        self, location: str, *, filtering: bool = True, concurrency: int = 3, env: dict[str, str] | None = None
    ) -> str:
        runner_id = f"{location}-runner-{len(self.procs) + 1}"
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self._work),
            "SUPERCHECK_NATS_URL": self._creds.url,
            "SUPERCHECK_NATS_USER": self._creds.runner_user,
            "SUPERCHECK_NATS_PASSWORD": self._creds.runner_password,
            "WORKER_LOCATION": location,
            "ENABLE_LOCATION_FILTERING": str(filtering).lower(),
            "K6_MAX_CONCURRENCY": str(concurrency),
            "RUNNER_ID": runner_id,
            "RUNNER_WORK_DIR": str(self._work / runner_id),
            "RUNNER_HEARTBEAT_INTERVAL_S": "1",
            "RUNNER_NAK_DELAY_S": "0.2",
            "RUNNER_SHUTDOWN_GRACE_S": "5",
            "SUPERCHECK_RUNNER_CANARY": CANARY,  # must never reach a script's __ENV
            **(env or {}),
        }
        log = (self._work / f"{runner_id}.log").open("ab")
        self.procs[runner_id] = subprocess.Popen([RUNNER], env=environment, stdout=log, stderr=log)
        return runner_id

    def kill(self, runner_id: str) -> None:
        self.procs[runner_id].send_signal(signal.SIGKILL)
        self.procs[runner_id].wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def runners(nats_server: services.NatsCredentials, tmp_path: Path) -> Iterator[Runners]:
    started = Runners(nats_server, tmp_path)
    yield started
    started.stop_all()
