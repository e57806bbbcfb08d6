"""`just clean-data --yes`: delete the data directory of `just up` (database, NATS store, admin key, logs).

Refuses while `just up` runs with it, and refuses a directory that does not look like one `just up` made.
"""

import fcntl
import os
import shutil
import sys
from pathlib import Path

from ops.children import PidRecord
from ops.services import Postgres, postmaster_pid

# Any of these marks a directory that `just up` or the test suite created.
_MARKERS = ("stack.json", "postgres", "admin-api-key", "up.lock")


def main(argv: list[str]) -> int:
    data_dir = Path(os.environ.get("SUPERCHECK_DATA_DIR") or ".data").resolve()
    if not data_dir.exists():
        print(f"clean-data: {data_dir} does not exist; nothing to delete")
        return 0
    if not any((data_dir / marker).exists() for marker in _MARKERS):
        print(f"clean-data: {data_dir} does not look like a Supercheck data directory; not deleting it")
        return 1
    if argv != ["--yes"]:
        print(f"clean-data: this deletes {data_dir} (database, NATS store, admin key, logs).")
        print("            Run `just clean-data --yes` to do it.")
        return 1
    lock = data_dir / "up.lock"
    if lock.exists():
        with lock.open("a") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"clean-data: `just up` is running with {data_dir}; stop it first")
                return 1
    PidRecord(data_dir).stop_leftovers(lambda message: print(f"clean-data: {message}"))
    pgdata = data_dir / "postgres"
    if postmaster_pid(pgdata) is not None:
        print("clean-data: stopping the PostgreSQL server still running on it")
        Postgres(pgdata=pgdata, socket_dir="").stop()
    shutil.rmtree(data_dir)
    print(f"clean-data: deleted {data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
