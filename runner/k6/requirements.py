"""What a script will ask for before it runs: peak VUs and total duration, from ``k6 inspect``.

``k6 inspect --execution-requirements`` prints the script's options as JSON plus ``maxVUs`` and
``totalDuration`` (a Go duration such as ``"2m1.5s"``; it includes each scenario's graceful stop).
It runs the script's init code, so it runs in the test's jail, and without network there: remote module
imports are not fetched (they would bypass the blocked networks, which apply only to k6's requests).
"""

import asyncio
import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec

from runner.k6.command import CHILD_PATH
from runner.k6.lines import k6_error_message, strip_ansi
from schema.sandbox import Jail

INSPECT_TIMEOUT_S = 30.0

_GO_UNITS_S = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class ScriptError(Exception):
    """k6 could not load the script (syntax error, exception at init, invalid options)."""


@dataclass(frozen=True, slots=True)
class ExecutionRequirements:
    max_vus: int
    total_duration_s: float


class _Inspection(msgspec.Struct, forbid_unknown_fields=False):
    max_vus: int = msgspec.field(name="maxVUs")
    total_duration: str = msgspec.field(name="totalDuration")


def parse_go_duration(text: str) -> float:
    """Seconds in a Go ``time.Duration`` string: ``"1h2m3.5s"``, ``"500ms"``, ``"1m0s"``, ``"0s"``, ``"0"``."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    if body == "0":
        return 0.0
    total, end = 0.0, 0
    for match in _GO_PART.finditer(body):
        if match.start() != end:
            break
        total += float(match[1]) * _GO_UNITS_S[match[2]]
        end = match.end()
    if not body or end != len(body):
        raise ValueError(f"not a Go duration: {text!r}")
    return sign * total


async def execution_requirements(
    k6_bin: str | Path,
    script_dir: Path,
    script_name: str,
    *,
    env: Mapping[str, str] | None = None,
    timeout_s: float = INSPECT_TIMEOUT_S,
    jail: Jail | None = None,
) -> ExecutionRequirements:
    """Ask k6 what the script needs, without generating load.

    Pass the same scrubbed ``env`` the run will get, so options read from ``__ENV`` resolve the same way.
    Raises :class:`ScriptError` with k6's own message when the script cannot be loaded.
    """
    child_env = dict(env) if env is not None else {"PATH": CHILD_PATH, "HOME": str(script_dir)}
    # --include-system-env-vars: off by default for inspect, and __ENV would be empty.
    command = [str(k6_bin), "inspect", "--execution-requirements", "--include-system-env-vars", script_name]
    proc = await asyncio.create_subprocess_exec(
        *(jail.command(command, network=False) if jail is not None else command),
        cwd=script_dir,
        env=child_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        **(jail.process_options() if jail is not None else {}),
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        raise ScriptError(f"k6 inspect did not finish within {timeout_s:g}s (does the script loop at init?)") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise ScriptError(_inspect_failure(stderr.decode(errors="replace"), proc.returncode))
    try:
        inspection = msgspec.json.decode(stdout, type=_Inspection)
        return ExecutionRequirements(
            max_vus=inspection.max_vus, total_duration_s=parse_go_duration(inspection.total_duration)
        )
    except (msgspec.DecodeError, ValueError) as exc:
        raise ScriptError(f"k6 inspect gave an unexpected answer: {exc}") from exc


def _inspect_failure(stderr: str, code: int | None) -> str:
    lines = [strip_ansi(line) for line in stderr.splitlines() if line.strip()]
    messages = [message for line in lines if (message := k6_error_message(line))]
    if messages:
        return messages[-1]
    return lines[-1] if lines else f"k6 inspect exited with code {code}"
