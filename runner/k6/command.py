"""How one test is started: the ``k6 run`` command line and the child's environment, built from scratch."""

import ipaddress
from collections.abc import Iterable, Mapping
from pathlib import Path

import structlog

logger = structlog.get_logger()

# k6's default trend stats stop at p(95); the summary needs p(99) too.
SUMMARY_TREND_STATS = "avg,min,med,max,p(90),p(95),p(99)"
REPORT_FILE = "index.html"
SUMMARY_FILE = "summary.json"
CHILD_PATH = "/usr/bin:/bin"

# Variables a test may not set: the ones the runner sets itself, and those that would move k6's
# console, logs or config away from where the runner reads them.
_RUNNER_OWNED = frozenset(
    {
        "PATH",
        "HOME",
        "K6_WEB_DASHBOARD",
        "K6_WEB_DASHBOARD_EXPORT",
        "K6_WEB_DASHBOARD_PORT",
        "K6_WEB_DASHBOARD_HOST",
        "K6_WEB_DASHBOARD_PERIOD",
        "K6_WEB_DASHBOARD_OPEN",
        "K6_NO_USAGE_REPORT",
        "K6_CONSOLE_OUTPUT",
        "K6_LOG_OUTPUT",
        "K6_LOG_FORMAT",
        "K6_CONFIG",
        "K6_ADDRESS",
        "K6_NO_COLOR",
        "K6_SUMMARY_EXPORT",
        "K6_SUMMARY_TREND_STATS",
    }
)


def build_command(
    k6_bin: str | Path,
    script_path: str | Path,
    *,
    summary_path: str | Path = SUMMARY_FILE,
    blocked_cidrs: Iterable[str] = (),
    blocked_hostnames: Iterable[str] = (),
) -> list[str]:
    """``k6 run`` with the REST API off (``--address=``: no port 6565 to fight over) and the summary exported.

    Block lists go on the command line because CLI flags override whatever the script's options say.
    """
    command = [
        str(k6_bin),
        "run",
        "--no-color",
        "--no-usage-report",
        "--address=",
        "--summary-export",
        str(summary_path),
        "--summary-trend-stats",
        SUMMARY_TREND_STATS,
    ]
    cidrs = [cidr.strip() for cidr in blocked_cidrs if cidr.strip()]
    for cidr in cidrs:
        ipaddress.ip_network(cidr, strict=False)  # ValueError names a bad operator setting before k6 starts
    if cidrs:
        command += ["--blacklist-ip", ",".join(cidrs)]
    hostnames = [host.strip() for host in blocked_hostnames if host.strip()]
    for host in hostnames:
        if "," in host or any(ch.isspace() for ch in host):
            raise ValueError(f"blocked hostname pattern {host!r} may not contain commas or spaces")
    if hostnames:
        command += ["--block-hostnames", ",".join(hostnames)]
    command.append(str(script_path))
    return command


# k6 writes the HTML report only for a run longer than the period: short, so short tests get one too.
MIN_DASHBOARD_PERIOD_S = 0.2


def build_env(*, test_env: Mapping[str, str], dashboard_period_s: float, run_dir: Path) -> dict[str, str]:
    """The child's whole environment: k6's settings and the test's variables, nothing of the runner's.

    k6 hands its environment to scripts as ``__ENV``, so copying ``os.environ`` would leak the
    runner's credentials. The dashboard period must be shorter than the test, or k6 skips the report.
    """
    if dashboard_period_s < MIN_DASHBOARD_PERIOD_S:
        raise ValueError(f"dashboard_period_s must be at least {MIN_DASHBOARD_PERIOD_S} s")
    env = {name: value for name, value in test_env.items() if _settable(name, value)}
    refused = sorted(set(test_env) - set(env))
    if refused:
        logger.warning("k6.env_refused", names=refused)
    env.update(
        {
            "PATH": CHILD_PATH,
            "HOME": str(run_dir),
            "K6_WEB_DASHBOARD": "true",
            "K6_WEB_DASHBOARD_EXPORT": REPORT_FILE,
            "K6_WEB_DASHBOARD_PORT": "-1",  # write the report, serve nothing
            "K6_WEB_DASHBOARD_PERIOD": f"{round(dashboard_period_s * 1000)}ms",
            "K6_NO_USAGE_REPORT": "true",
        }
    )
    return env


def _settable(name: str, value: str) -> bool:
    valid = bool(name) and "=" not in name and "\0" not in name and "\0" not in value
    return valid and name not in _RUNNER_OWNED
