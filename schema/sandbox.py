"""How a k6 process is confined, shared by the backend's script validation and the runner.

A script's init code may ``open()`` any file its k6 process can read, so k6 runs either in a bubblewrap
sandbox (its own mount, pid and, for validation, network namespace: it sees its run directory and little
else), or as an unprivileged uid of its own (the runner's files and processes are not its own), or, when
neither works, unconfined. :func:`resolve_sandbox` probes once; :meth:`Sandbox.temporary_jail` confines
one directory. docs/security.md ("Script sandbox") says what each mode protects.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any


class SandboxMode(StrEnum):
    """``auto``: bwrap when it works, else an unprivileged uid when running as root, else nothing."""

    AUTO = "auto"
    BWRAP = "bwrap"
    USER = "user"
    NONE = "none"


class SandboxError(RuntimeError):
    """A sandbox mode that was asked for by name cannot run k6 here."""


# Disjoint defaults, so that the backend and a runner on one machine never share a uid.
RUNNER_UIDS = range(60000, 61000)
VALIDATION_UIDS = range(61000, 61100)
_MAX_UID = 2**32 - 2  # (uid_t)-1 means "unchanged"
PROBE_TIMEOUT_S = 20.0
CHILD_PATH = "/usr/bin:/bin"

# All k6 sees besides its run directory and its own binary, where they exist: name resolution, CA
# certificates (Debian's bundle and RHEL's), the time zone. Not /usr, /home, /root, /run or the host's /proc.
BWRAP_READ_ONLY = (
    "/etc/resolv.conf",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    "/etc/localtime",
)


def parse_sandbox_mode(raw: str, name: str) -> SandboxMode:
    """A mode from a setting's text; ValueError naming the setting otherwise."""
    try:
        return SandboxMode((raw.strip() or "auto").lower())
    except ValueError:
        choices = ", ".join(mode.value for mode in SandboxMode)
        raise ValueError(f"{name} must be one of {choices}, got {raw!r}") from None


def parse_uid_range(raw: str, name: str) -> range:
    """``"60000-60999"`` or one uid; never uid 0. ValueError naming the setting otherwise."""
    first, _, last = raw.strip().partition("-")
    try:
        uids = range(int(first), int(last or first) + 1)
    except ValueError:
        raise ValueError(f"{name} must be a uid range such as 60000-60999, got {raw!r}") from None
    if not uids or uids.start < 1 or uids.stop - 1 > _MAX_UID:
        raise ValueError(f"{name} must be a non-empty range of uids between 1 and {_MAX_UID}, got {raw!r}")
    return uids


class UidPool:
    """Uids handed to one confined directory at a time, so that two runs never share one."""

    def __init__(self, uids: range) -> None:
        self._uids = uids
        self._taken: set[int] = set()
        self._lock = threading.Lock()

    @property
    def first(self) -> int:
        return self._uids.start

    def acquire(self) -> int:
        with self._lock:
            for uid in self._uids:
                if uid not in self._taken:
                    self._taken.add(uid)
                    return uid
        raise SandboxError(f"all {len(self._uids)} sandbox uids ({self._uids.start}-{self._uids.stop - 1}) are in use")

    def release(self, uid: int) -> None:
        with self._lock:
            self._taken.discard(uid)


@dataclass(frozen=True, slots=True)
class Jail:
    """One directory k6 is confined to, and how to start k6 there (same path inside and outside)."""

    directory: Path
    mode: SandboxMode
    bwrap: str | None = None
    uid: int | None = None

    @property
    def reports_pid(self) -> bool:
        """bwrap runs k6 in a pid namespace and tells its pid through ``info_fd``: signal that pid, not bwrap."""
        return self.mode is SandboxMode.BWRAP

    def command(self, argv: Sequence[str], *, network: bool, info_fd: int | None = None) -> list[str]:
        """``argv`` (k6 and its arguments) as it is started in this jail."""
        if self.mode is not SandboxMode.BWRAP:
            return list(argv)
        assert self.bwrap is not None  # a bwrap jail always has its binary
        k6 = shutil.which(argv[0]) or argv[0]
        wrapper = [
            self.bwrap,
            "--unshare-all",  # user (when not root), ipc, pid, net, uts, cgroup namespaces
            *(["--share-net"] if network else []),
            "--die-with-parent",
            "--cap-drop",
            "ALL",  # bwrap started by root would otherwise keep every capability inside
            "--as-pid-1",  # k6 itself is pid 1: SIGINT goes to k6 (bwrap would die of it and take k6 along)
            *(["--info-fd", str(info_fd)] if info_fd is not None else []),
            "--proc",
            "/proc",  # a fresh /proc of the new pid namespace: no other process is visible
            "--dev",
            "/dev",
        ]
        for path in BWRAP_READ_ONLY:
            wrapper += ["--ro-bind-try", path, path]
        directory = str(self.directory)
        wrapper += ["--ro-bind", os.path.realpath(k6), k6, "--bind", directory, directory, "--chdir", directory]
        return [*wrapper, "--", k6, *argv[1:]]

    def process_options(self) -> dict[str, Any]:
        """Keyword arguments for ``subprocess``/``asyncio.create_subprocess_exec``: the jail's uid, no extra groups."""
        if self.mode is not SandboxMode.USER or self.uid is None:
            return {}
        return {"user": self.uid, "group": self.uid, "extra_groups": []}


@dataclass(frozen=True, eq=False)
class Sandbox:
    """A resolved mode (never ``auto``); ``fallback`` says why ``auto`` chose less than bwrap."""

    mode: SandboxMode
    bwrap: str | None = None
    uids: UidPool | None = None
    fallback: str | None = None

    def announce(self, logger: Any, prefix: str, consequence: str) -> None:
        """Log the mode at start-up: a warning when k6 runs unconfined (with ``consequence``) or fell back."""
        # structlog event names: k6.sandbox_off, validation.sandbox_fallback, k6.sandbox, …
        off, fell_back, chosen = (f"{prefix}.sandbox_off", f"{prefix}.sandbox_fallback", f"{prefix}.sandbox")
        if self.mode is SandboxMode.NONE:
            logger.warning(off, reason=self.fallback, consequence=consequence)
        elif self.fallback:
            logger.warning(fell_back, mode=self.mode.value, reason=self.fallback)
        else:
            logger.info(chosen, mode=self.mode.value)

    @contextlib.contextmanager
    def jail(self, directory: Path) -> Iterator[Jail]:
        """Confine k6 to ``directory`` (which the caller creates and removes) while the block runs."""
        if self.mode is not SandboxMode.USER:
            yield Jail(directory, self.mode, bwrap=self.bwrap)
            return
        assert self.uids is not None  # a user sandbox always has its pool
        uid = self.uids.acquire()
        try:
            os.chown(directory, uid, uid)
            directory.chmod(0o700)
            yield Jail(directory, self.mode, uid=uid)
        finally:
            # Back to us before the uid goes to another run: what k6 wrote stays out of that run's reach.
            with contextlib.suppress(FileNotFoundError):
                os.chown(directory, os.geteuid(), os.getegid())
            self.uids.release(uid)

    @contextlib.contextmanager
    def temporary_jail(self, parent: Path | None, prefix: str) -> Iterator[Jail]:
        """A fresh private directory under ``parent`` (the system's temp dir when None), confined, then removed."""
        with tempfile.TemporaryDirectory(dir=parent, prefix=prefix) as tmp, self.jail(Path(tmp)) as jail:
            yield jail


def resolve_sandbox(mode: SandboxMode, *, k6_bin: str, base_dir: Path | None, uids: range) -> Sandbox:
    """The sandbox for ``mode``, probed once per process by running ``k6 version`` in it under ``base_dir``.

    Raises :class:`SandboxError` when a mode asked for by name does not work; ``auto`` falls back instead.
    """
    return _resolve(mode, k6_bin, base_dir, uids, shutil.which("bwrap"), os.geteuid() == 0)


@cache
def _resolve(
    mode: SandboxMode, k6_bin: str, base_dir: Path | None, uids: range, bwrap: str | None, root: bool
) -> Sandbox:
    if mode is SandboxMode.NONE:
        return Sandbox(SandboxMode.NONE, fallback="the sandbox is turned off")
    problems: list[str] = []
    if mode in (SandboxMode.AUTO, SandboxMode.BWRAP):
        sandbox = Sandbox(SandboxMode.BWRAP, bwrap=bwrap)
        problem = "bwrap (Debian package bubblewrap) is not installed" if bwrap is None else None
        problem = problem or _probe(sandbox, k6_bin, base_dir)
        if problem is None:
            return sandbox
        if mode is SandboxMode.BWRAP:
            raise SandboxError(problem)
        problems.append(problem)
    sandbox = Sandbox(SandboxMode.USER, uids=UidPool(uids))
    problem = None if root else f"running k6 as another uid needs root (this process is uid {os.geteuid()})"
    problem = problem or _probe(sandbox, k6_bin, base_dir)
    if problem is None:
        return Sandbox(SandboxMode.USER, uids=sandbox.uids, fallback="; ".join(problems) or None)
    if mode is SandboxMode.USER:
        raise SandboxError(problem)
    return Sandbox(SandboxMode.NONE, fallback="; ".join([*problems, problem]))


def _probe(sandbox: Sandbox, k6_bin: str, base_dir: Path | None) -> str | None:
    """Why ``k6 version`` does not run in ``sandbox`` (without network, as validation runs it), or None."""
    label = "bwrap" if sandbox.mode is SandboxMode.BWRAP or sandbox.uids is None else f"uid {sandbox.uids.first}"
    try:
        with sandbox.temporary_jail(base_dir, prefix="k6-sandbox-probe-") as jail:
            result = subprocess.run(  # noqa: S603 - a fixed command, no shell
                jail.command([k6_bin, "version"], network=False),
                cwd=jail.directory,
                env={"PATH": CHILD_PATH, "HOME": str(jail.directory)},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=PROBE_TIMEOUT_S,
                check=False,
                **jail.process_options(),
            )
    except (OSError, subprocess.SubprocessError, SandboxError) as exc:
        return f"k6 cannot be started with {label}: {exc}"
    if result.returncode != 0 or not result.stdout.startswith(b"k6 v"):
        output = (result.stderr or result.stdout).decode(errors="replace").strip()[-500:]
        return f"k6 cannot be started with {label} (exit code {result.returncode}): {output or 'no output'}"
    return None
