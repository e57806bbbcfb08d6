"""Child processes of `just up`: each in its own session, its output copied to ours line by line.

Each child's pid is recorded in the data directory, so a `just up` that was killed outright leaves
nothing behind that the next one cannot find and stop.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

PIDS_FILE = "up.pids.json"
TAIL_LINES = 40

_output_lock = threading.Lock()


def write_line(line: str) -> None:
    """Write one line to our stdout; threads copying children's output share it."""
    with _output_lock:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
        sys.stdout.flush()


def file_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` lines of a log file, or a note that there is none."""
    try:
        with path.open("rb") as file:
            file.seek(0, os.SEEK_END)
            file.seek(max(0, file.tell() - 64 * 1024))
            text = file.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


class Child:
    """A process started in its own session (a terminal's Ctrl-C reaches only us; we stop it in order).

    Its output goes to ``log_file`` and, with ``label`` as prefix (or none for JSON lines), to our stdout.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_file: Path,
        prefix: str,
    ) -> None:
        self.name = name
        self.log_file = log_file
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        self._pump = threading.Thread(target=self._copy, args=(self.proc.stdout, prefix), daemon=True)
        self._pump.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> int | None:
        return self.proc.poll()

    def last_output(self) -> str:
        self._pump.join(timeout=1)  # a child that just exited may still have lines in the pipe
        return "\n".join(self.tail) or "(no output)"

    def stop(self, grace_s: float = 15.0) -> int:
        """SIGTERM to its process group (granian's workers too), SIGKILL after ``grace_s``; the exit code."""
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                write_line(f"{self.name} did not stop within {grace_s:.0f} s: killing it")
        _signal_group(self.proc.pid, signal.SIGKILL)  # whatever of its group is left
        code = self.proc.wait()
        self._pump.join(timeout=2)
        return code

    def _copy(self, stream: IO[bytes], prefix: str) -> None:
        with self.log_file.open("ab") as log, stream:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(line)
                write_line(prefix + line)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_for_exit(child: Child, stopping: threading.Event) -> int | None:
    """Wait until ``child`` exits (its code) or ``stopping`` is set (None)."""
    while not stopping.is_set():
        code = child.poll()
        if code is not None:
            child.last_output()  # let the pump drain the pipe
            return code
        stopping.wait(0.1)
    return None


class PidRecord:
    """The children of this data directory's `just up`, kept on disk while they run."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / PIDS_FILE
        self._entries: dict[str, dict[str, float]] = {}

    def add(self, name: str, pid: int) -> None:
        self._entries[name] = {"pid": pid, "started": _start_time(pid) or 0.0}
        self._save()

    def remove(self, name: str) -> None:
        self._entries.pop(name, None)
        self._save()

    def stop_leftovers(self, say: Callable[[str], None]) -> None:
        """Stop the children that a previous `just up` of this data directory left running (it was killed)."""
        try:
            previous = json.loads(self.path.read_text())
        except (OSError, ValueError):
            previous = {}
        for name, entry in previous.items():
            pid = int(entry.get("pid", 0))
            started = _start_time(pid) if pid > 0 else None
            # The same pid and start time: still that child, not a stranger who reused the pid.
            if started is None or abs(started - float(entry.get("started", -1))) > 0.5:  # noqa: PLR2004
                continue
            say(f"stopping {name} (pid {pid}) left running by a previous `just up`")
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _start_time(pid) == started and time.monotonic() < deadline:
                time.sleep(0.1)
            if _start_time(pid) == started:
                _signal_group(pid, signal.SIGKILL)
        self.path.unlink(missing_ok=True)

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._entries, indent=2))
        tmp.replace(self.path)


def _start_time(pid: int) -> float | None:
    import psutil  # noqa: PLC0415 - pgserver's dependency; loaded only when needed

    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None
