"""`just runner`: start a runner against the NATS server of a running `just up` (found in its data directory).

With SUPERCHECK_NATS_URL set, the runner connects there with the environment as given (a remote region).
"""

import importlib.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from ops.services import NatsCredentials, port_is_open, read_stack, venv_bin

# What a runner must not see: it never touches the database and holds no admin key (DESIGN section 1).
_BACKEND_ONLY = ("SUPERCHECK_DATABASE_URL", "SUPERCHECK_BOOTSTRAP_API_KEY")


def runner_available() -> bool:
    """Whether this checkout has the runner yet (`runner.main`)."""
    try:
        return importlib.util.find_spec("runner.main") is not None
    except ModuleNotFoundError:
        return False


def runner_env(base: Mapping[str, str], creds: NatsCredentials | None) -> dict[str, str]:
    """The runner's environment: ``base`` without backend secrets, with the runner's NATS user from ``creds``."""
    env = {key: value for key, value in base.items() if key not in _BACKEND_ONLY}
    if creds is not None:
        env["SUPERCHECK_NATS_URL"] = creds.url
        env["SUPERCHECK_NATS_USER"] = creds.runner_user
        env["SUPERCHECK_NATS_PASSWORD"] = creds.runner_password
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def stack_credentials(data_dir: Path) -> NatsCredentials | None:
    """The NATS address and users that `just up` recorded in ``data_dir``, if it ever ran there."""
    saved = read_stack(data_dir).get("nats")
    return NatsCredentials(**saved) if saved else None


def main() -> int:
    if not runner_available():
        print("runner: this checkout has no runner yet (runner/main.py)", file=sys.stderr)
        return 1
    data_dir = Path(os.environ.get("SUPERCHECK_DATA_DIR", ".data")).resolve()
    creds = None
    if not os.environ.get("SUPERCHECK_NATS_URL"):
        creds = stack_credentials(data_dir)
        if creds is None:
            print(
                f"runner: no NATS server recorded in {data_dir}: start `just up` with the same "
                "SUPERCHECK_DATA_DIR, or set SUPERCHECK_NATS_URL, SUPERCHECK_NATS_USER and SUPERCHECK_NATS_PASSWORD",
                file=sys.stderr,
            )
            return 1
        if not port_is_open(creds.host, creds.port):
            print(f"runner: nothing listens on {creds.url}: is `just up` running?", file=sys.stderr)
            return 1
        print(f"runner: connecting to {creds.url} as {creds.runner_user} (from {data_dir})", file=sys.stderr)
    env = runner_env(os.environ, creds)
    program = venv_bin("supercheck-runner")
    os.execve(program, [program, *sys.argv[1:]], env)  # noqa: S606 - replace this process with the runner
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
