"""`just migrate`: apply the database migrations to SUPERCHECK_DATABASE_URL or to the data directory's database.

The embedded PostgreSQL is started for the occasion when `just up` is not running it, and stopped afterwards.
"""

import os
import subprocess
import sys
import warnings
from pathlib import Path

from ops.services import postmaster_pid, start_postgres, venv_bin


def migrate(database_url: str) -> int:
    env = {**os.environ, "SUPERCHECK_DATABASE_URL": database_url}
    return subprocess.run([venv_bin("supercheck"), "migrate"], env=env, check=False).returncode


def main() -> int:
    explicit = os.environ.get("SUPERCHECK_DATABASE_URL")
    if explicit:
        return migrate(explicit)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")  # pgserver's, harmless
    pgdata = Path(os.environ.get("SUPERCHECK_DATA_DIR") or ".data").resolve() / "postgres"
    was_running = postmaster_pid(pgdata) is not None
    print(f"migrate: embedded PostgreSQL in {pgdata}{' (running)' if was_running else ''}")
    postgres = start_postgres(pgdata)
    try:
        return migrate(postgres.url())
    finally:
        if not was_running:
            postgres.stop()


if __name__ == "__main__":
    sys.exit(main())
