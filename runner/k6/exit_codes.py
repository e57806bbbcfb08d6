"""What k6's exit code means for a run: its status in the one state machine, and a reason a user can read."""

import signal

from schema.enums import RunStatus

EXIT_PASSED = 0
EXIT_THRESHOLDS_FAILED = 99
# k6's exit codes (go.k6.io/k6/errext/exitcodes) and what a user should read for each.
EXIT_REASONS = {
    EXIT_THRESHOLDS_FAILED: "thresholds crossed",
    100: "setup() timed out",
    101: "teardown() timed out",
    102: "k6 timed out",
    103: "k6 engine error",
    104: "invalid k6 options",
    105: "the test was aborted",
    106: "k6 could not start its REST API",
    107: "script error",
    108: "the script aborted the test",
    109: "k6 crashed",
    110: "the test was marked as failed",
}


def k6_exit_to_status(code: int | None, *, cancelled: bool, timed_out: bool) -> RunStatus:
    """0 passed; 99 (thresholds crossed) failed; a cancel is cancelled; everything else is an error."""
    if cancelled:
        return RunStatus.CANCELLED
    if timed_out:
        return RunStatus.ERROR
    if code == EXIT_PASSED:
        return RunStatus.PASSED
    if code == EXIT_THRESHOLDS_FAILED:
        return RunStatus.FAILED
    return RunStatus.ERROR


def k6_exit_reason(
    code: int | None, *, cancelled: bool, timed_out: bool, timeout_s: float | None = None, detail: str | None = None
) -> str | None:
    """The human reason next to a status (None when the test passed); ``detail`` is k6's own message."""
    if cancelled:
        return "cancelled"
    if timed_out:
        limit = f" of {timeout_s:g}s" if timeout_s is not None else ""
        return f"k6 exceeded the hard timeout{limit} and was stopped"
    if code == EXIT_PASSED:
        return None
    if code is None:
        base = "k6 did not run"
    elif code < 0:
        base = f"k6 was killed by signal {_signal_name(-code)}"
    else:
        base = EXIT_REASONS.get(code, f"k6 exited with code {code}")
    return f"{base}: {detail}" if detail else base


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
