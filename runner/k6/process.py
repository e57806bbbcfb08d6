"""One k6 process: started without a shell in its own session (confined to its jail when given one), its
console streamed line by line, stopped by cancel or a hard timeout (SIGINT first so k6 still writes its
summary, SIGKILL after a grace).
"""

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import msgspec
import structlog

from runner.k6.command import REPORT_FILE, SUMMARY_FILE, build_command, build_env
from runner.k6.exit_codes import EXIT_THRESHOLDS_FAILED, k6_exit_reason, k6_exit_to_status
from runner.k6.lines import LineSplitter, Redactor, k6_error_message, no_redaction
from runner.k6.summary import SummaryError, failed_thresholds
from schema.enums import RunStatus
from schema.sandbox import Jail

__all__ = ["K6Process", "K6Result", "LineCallback", "k6_exit_reason", "k6_exit_to_status", "run_k6"]

LineCallback = Callable[[str], Awaitable[None]]

KILL_GRACE_S = 10.0
_READ_CHUNK = 64 * 1024
_PUMP_DRAIN_S = 5.0
_SANDBOX_PID_TIMEOUT_S = 10.0


class _BwrapInfo(msgspec.Struct, forbid_unknown_fields=False):
    child_pid: int = msgspec.field(name="child-pid")


@dataclass(frozen=True, slots=True)
class K6Result:
    """How one k6 run ended. ``exit_code`` is negative when a signal killed k6, None if it never started."""

    exit_code: int | None
    status: RunStatus
    reason: str | None
    summary_path: Path | None
    report_path: Path | None
    duration_s: float
    cancelled: bool
    timed_out: bool


class K6Process:
    """Runs one k6 command once: ``result = await K6Process(...).run()``; ``cancel()`` from anywhere."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        run_dir: Path,
        env: Mapping[str, str],
        on_line: LineCallback,
        timeout_s: float,
        redact: Redactor = no_redaction,
        kill_grace_s: float = KILL_GRACE_S,
        run_id: str | None = None,
        test_id: str | None = None,
        jail: Jail | None = None,
    ) -> None:
        self._command = list(command)
        self._jail = jail
        self._run_dir = run_dir
        self._env = dict(env)
        self._on_line = on_line
        self._timeout_s = timeout_s
        self._redact = redact
        self._kill_grace_s = kill_grace_s
        ids = {"run_id": run_id, "test_id": test_id}
        self._log = structlog.get_logger().bind(**{name: value for name, value in ids.items() if value is not None})
        self._proc: asyncio.subprocess.Process | None = None
        self._k6_pid: int | None = None  # k6 inside bwrap, which is not the process we started
        self._awaiting_k6_pid = False
        self._stop = asyncio.Event()
        self._started = False
        self._cancelled = False
        self._timed_out = False
        self._interrupted = False
        self._k6_error: str | None = None
        self._callback_failed = False
        self.line_count = 0

    @classmethod
    def for_script(
        cls,
        k6_bin: str | Path,
        run_dir: Path,
        script_name: str,
        *,
        test_env: Mapping[str, str],
        on_line: LineCallback,
        timeout_s: float,
        redact: Redactor = no_redaction,
        blocked_cidrs: Iterable[str] = (),
        blocked_hostnames: Iterable[str] = (),
        dashboard_period_s: float = 1,
        kill_grace_s: float = KILL_GRACE_S,
        run_id: str | None = None,
        test_id: str | None = None,
        jail: Jail | None = None,
    ) -> Self:
        """The process for a script already written to ``run_dir`` (k6's working directory and HOME)."""
        command = build_command(
            k6_bin,
            script_name,
            summary_path=SUMMARY_FILE,
            blocked_cidrs=blocked_cidrs,
            blocked_hostnames=blocked_hostnames,
        )
        env = build_env(test_env=test_env, dashboard_period_s=dashboard_period_s, run_dir=run_dir)
        return cls(
            command,
            run_dir=run_dir,
            env=env,
            on_line=on_line,
            timeout_s=timeout_s,
            redact=redact,
            kill_grace_s=kill_grace_s,
            run_id=run_id,
            test_id=test_id,
            jail=jail,
        )

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def cancel(self) -> None:
        """Stop k6: SIGINT now, SIGKILL after the grace period. Idempotent; before ``run`` it means never start."""
        if self._stop.is_set() or self._timed_out or (self._proc is not None and self._proc.returncode is not None):
            return
        self._cancelled = True
        self._stop.set()
        self._log.info("k6.cancel_requested", pid=self.pid)
        self._interrupt()

    async def run(self) -> K6Result:
        """Run k6 to its end. Cancelling the awaiting task kills k6 at once; ``cancel()`` stops it gracefully."""
        if self._started:
            raise RuntimeError("a K6Process runs once")
        self._started = True
        started = time.monotonic()
        for stale in (SUMMARY_FILE, REPORT_FILE):  # a file left over must not pass for this run's
            (self._run_dir / stale).unlink(missing_ok=True)
        if self._cancelled:
            return self._result(None, started)
        proc, info = await self._start()
        self._proc = proc
        self._log.info("k6.started", pid=proc.pid, timeout_s=self._timeout_s)
        assert proc.stdout is not None  # PIPE was requested
        pump = asyncio.create_task(self._pump(proc.stdout))
        try:
            if info is not None:
                self._awaiting_k6_pid = True
                self._k6_pid = await _sandboxed_pid(info)
                self._awaiting_k6_pid = False
            await self._supervise(proc)
        finally:
            if proc.returncode is None:  # our caller was cancelled: leave nothing running
                self._log.warning("k6.killed", why="the task running k6 was cancelled")
                self._signal(signal.SIGKILL)
                await proc.wait()
            self._kill_leftovers()
            await self._drain(pump)
        result = self._result(proc.returncode, started)
        self._log.info(
            "k6.exited",
            exit_code=result.exit_code,
            status=result.status,
            reason=result.reason,
            duration_s=round(result.duration_s, 3),
            lines=self.line_count,
        )
        return result

    async def _start(self) -> tuple[asyncio.subprocess.Process, int | None]:
        """Start k6 (in its jail); with bwrap also the read end of the pipe on which bwrap says k6's pid."""
        command, options, info_fds = self._command, dict[str, Any](), None
        if self._jail is not None:
            options = self._jail.process_options()
            info_fd = None
            if self._jail.reports_pid:
                info_fds = os.pipe()
                info_fd = info_fds[1]
                options["pass_fds"] = (info_fd,)
            command = self._jail.command(self._command, network=True, info_fd=info_fd)
        try:
            proc = await asyncio.create_subprocess_exec(
                *command,
                cwd=self._run_dir,
                env=self._env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: signals reach k6 and anything it started
                **options,
            )
        except BaseException:
            for fd in info_fds or ():
                os.close(fd)
            raise
        if info_fds is None:
            return proc, None
        os.close(info_fds[1])  # bwrap holds it now: its end closes when bwrap has written
        return proc, info_fds[0]

    async def _supervise(self, proc: asyncio.subprocess.Process) -> None:
        exited = asyncio.ensure_future(proc.wait())
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            done, _ = await asyncio.wait(
                {exited, stopped}, timeout=self._timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
            if exited in done:
                return
            if stopped not in done:
                self._timed_out = True
                self._log.warning("k6.timed_out", timeout_s=self._timeout_s)
            self._interrupt()  # a cancel racing k6's start has not sent it yet
            try:
                await asyncio.wait_for(asyncio.shield(exited), self._kill_grace_s)
            except TimeoutError:
                self._log.warning("k6.killed", why="still running after the grace period", grace_s=self._kill_grace_s)
                self._signal(signal.SIGKILL)
                await exited
        finally:
            stopped.cancel()
            exited.cancel()

    def _interrupt(self) -> None:
        """SIGINT once: k6 stops gracefully and writes its summary; a second SIGINT would make it abort at once.

        In bwrap, to k6 alone: bwrap forwards no signal and would die of SIGINT, and its death kills k6
        (``--die-with-parent``) before the summary is written.
        """
        if self._interrupted or self._proc is None or self._proc.returncode is not None:
            return
        if self._awaiting_k6_pid:  # bwrap has not said k6's pid yet: _supervise interrupts once it has
            return
        # bwrap says the pid just before it execs k6: a SIGINT in those few milliseconds reaches a pid 1 without
        # a handler, which ignores it, and the SIGKILL after the grace period ends k6 instead.
        self._interrupted = True
        if self._k6_pid is None:
            self._signal(signal.SIGINT)
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self._k6_pid, signal.SIGINT)

    def _signal(self, sig: signal.Signals) -> None:
        """Signal k6's whole process group (its pgid is its pid: ``start_new_session``) while k6 runs."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, sig)

    def _kill_leftovers(self) -> None:
        """k6 has exited; anything it started is still in its group (which keeps the pgid taken) and goes too."""
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        splitter = LineSplitter()
        while chunk := await stream.read(_READ_CHUNK):
            for line in splitter.feed(chunk):
                await self._emit(line)
        for line in splitter.flush():
            await self._emit(line)

    async def _emit(self, raw: str) -> None:
        line = self._redact(raw)
        self.line_count += 1
        if message := k6_error_message(line):
            self._k6_error = message
        try:
            await self._on_line(line)
        except Exception:  # noqa: BLE001 - a failing consumer must not leave k6 blocked on a full pipe
            if not self._callback_failed:
                self._callback_failed = True
                self._log.exception("k6.on_line_failed")

    async def _drain(self, pump: asyncio.Task[None]) -> None:
        done, _ = await asyncio.wait({pump}, timeout=_PUMP_DRAIN_S)
        if not done:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump

    def _result(self, code: int | None, started: float) -> K6Result:
        summary = _non_empty(self._run_dir / SUMMARY_FILE)
        detail = self._k6_error
        if code == EXIT_THRESHOLDS_FAILED and summary is not None:
            with contextlib.suppress(SummaryError, OSError):
                detail = "; ".join(failed_thresholds(summary.read_bytes())) or detail
        return K6Result(
            exit_code=code,
            status=k6_exit_to_status(code, cancelled=self._cancelled, timed_out=self._timed_out),
            reason=k6_exit_reason(
                code, cancelled=self._cancelled, timed_out=self._timed_out, timeout_s=self._timeout_s, detail=detail
            ),
            summary_path=summary,
            report_path=_non_empty(self._run_dir / REPORT_FILE),
            duration_s=time.monotonic() - started,
            cancelled=self._cancelled,
            timed_out=self._timed_out,
        )


async def _sandboxed_pid(fd: int) -> int | None:
    """k6's pid from bwrap's ``--info-fd`` JSON, written once k6's namespaces exist; None if bwrap failed first."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    pipe = os.fdopen(fd, "rb", buffering=0)
    try:
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    except BaseException:
        pipe.close()
        raise
    try:
        data = await asyncio.wait_for(reader.read(), _SANDBOX_PID_TIMEOUT_S)
        return msgspec.json.decode(data, type=_BwrapInfo).child_pid
    except (TimeoutError, msgspec.DecodeError):
        return None  # SIGINT then goes to the whole group: k6 still stops, without its summary
    finally:
        transport.close()


def _non_empty(path: Path) -> Path | None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > 0:
            return path
    return None


async def run_k6(
    k6_bin: str | Path,
    run_dir: Path,
    script_name: str,
    *,
    test_env: Mapping[str, str],
    on_line: LineCallback,
    timeout_s: float,
    redact: Redactor = no_redaction,
    blocked_cidrs: Iterable[str] = (),
    blocked_hostnames: Iterable[str] = (),
    dashboard_period_s: float = 1,
    kill_grace_s: float = KILL_GRACE_S,
    cancel: asyncio.Event | None = None,
    run_id: str | None = None,
    test_id: str | None = None,
    jail: Jail | None = None,
) -> K6Result:
    """Run a script written to ``run_dir``; setting ``cancel`` stops it as :meth:`K6Process.cancel` does."""
    process = K6Process.for_script(
        k6_bin,
        run_dir,
        script_name,
        test_env=test_env,
        on_line=on_line,
        timeout_s=timeout_s,
        redact=redact,
        blocked_cidrs=blocked_cidrs,
        blocked_hostnames=blocked_hostnames,
        dashboard_period_s=dashboard_period_s,
        kill_grace_s=kill_grace_s,
        run_id=run_id,
        test_id=test_id,
        jail=jail,
    )
    if cancel is None:
        return await process.run()

    async def cancel_when_set() -> None:
        await cancel.wait()
        process.cancel()

    watcher = asyncio.create_task(cancel_when_set())
    try:
        return await process.run()
    finally:
        watcher.cancel()
