"""What `just up` reads from its environment, and the checks it makes before starting anything."""

import errno
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

API_KEY_FILE = "admin-api-key"
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class StartupError(Exception):
    """Start-up cannot go on; ``detail`` is the log tail that tells why."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True)
class UpConfig:
    """What `just up` reads from the environment (the backend reads the rest itself)."""

    data_dir: Path
    http_host: str
    http_port: int
    nats_host: str
    nats_port: int
    database_url: str | None
    nats_url: str | None
    api_key: str | None
    embedded_runner: bool
    json_logs: bool

    @classmethod
    def from_env(cls) -> "UpConfig":
        env = os.environ
        embedded = env.get("SUPERCHECK_EMBEDDED_RUNNER", "true").strip().lower()
        if embedded not in _TRUE | _FALSE:
            raise StartupError(f"SUPERCHECK_EMBEDDED_RUNNER must be true or false, got {embedded!r}")
        return cls(
            data_dir=Path(env.get("SUPERCHECK_DATA_DIR") or ".data").resolve(),
            http_host=env.get("SUPERCHECK_HTTP_HOST") or "127.0.0.1",
            http_port=_port("SUPERCHECK_HTTP_PORT", 8000),
            nats_host=env.get("SUPERCHECK_NATS_HOST") or "127.0.0.1",
            nats_port=_port("SUPERCHECK_NATS_PORT", 4222),
            database_url=env.get("SUPERCHECK_DATABASE_URL") or None,
            nats_url=env.get("SUPERCHECK_NATS_URL") or None,
            api_key=env.get("SUPERCHECK_BOOTSTRAP_API_KEY") or None,
            embedded_runner=embedded in _TRUE,
            json_logs=env.get("SUPERCHECK_LOG_FORMAT") == "json",
        )

    @property
    def base_url(self) -> str:
        """Where a browser on this machine reaches the backend."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.http_host, self.http_host)  # noqa: S104
        return f"http://[{host}]:{self.http_port}" if ":" in host else f"http://{host}:{self.http_port}"


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdigit() or not 0 < int(raw) < 65536:  # noqa: PLR2004
        raise StartupError(f"{name} must be a TCP port number, got {raw!r}")
    return int(raw)


def admin_api_key(config: UpConfig) -> str:
    """SUPERCHECK_BOOTSTRAP_API_KEY, else the key generated once for this data directory."""
    if config.api_key:
        return config.api_key
    path = config.data_dir / API_KEY_FILE
    if path.exists() and (saved := path.read_text().strip()):
        return saved
    key = "sck_" + secrets.token_urlsafe(32)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


def ensure_port_free(host: str, port: int, variable: str) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no conflict
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(f"port {port} on {host} is already in use: set {variable}") from None
            raise StartupError(f"cannot listen on {host} port {port}: {exc.strerror}") from None
