"""The sandbox's pure parts: settings, the bwrap command line, uids handed out one run at a time."""

import os
from pathlib import Path

import pytest
import structlog
from structlog.testing import LogCapture

import runner.settings as runner_settings
from backend.core.settings import SettingsError, load_settings
from runner.settings import RunnerSettingsError, load_runner_settings
from schema import sandbox as sandbox_module
from schema.sandbox import (
    BWRAP_READ_ONLY,
    RUNNER_UIDS,
    VALIDATION_UIDS,
    Jail,
    Sandbox,
    SandboxError,
    SandboxMode,
    UidPool,
    parse_sandbox_mode,
    parse_uid_range,
)


@pytest.mark.parametrize(("raw", "mode"), [("", SandboxMode.AUTO), (" BWRAP ", SandboxMode.BWRAP), ("none", "none")])
def test_modes_are_read_from_settings(raw: str, mode: SandboxMode) -> None:
    assert parse_sandbox_mode(raw, "X") is SandboxMode(mode)


def test_an_unknown_mode_names_the_setting_and_the_choices() -> None:
    with pytest.raises(ValueError, match="RUNNER_K6_SANDBOX must be one of auto, bwrap, user, none, got 'docker'"):
        parse_sandbox_mode("docker", "RUNNER_K6_SANDBOX")


@pytest.mark.parametrize(("raw", "uids"), [("60000-60999", range(60000, 61000)), ("61000", range(61000, 61001))])
def test_uid_ranges(raw: str, uids: range) -> None:
    assert parse_uid_range(raw, "X") == uids


@pytest.mark.parametrize("raw", ["0-10", "0", "x", "10-5", "-5", "1-4294967295"])
def test_bad_uid_ranges_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="UIDS"):
        parse_uid_range(raw, "UIDS")


def test_runner_and_backend_defaults_never_share_a_uid() -> None:
    assert not set(RUNNER_UIDS) & set(VALIDATION_UIDS)
    assert 0 not in RUNNER_UIDS
    assert 0 not in VALIDATION_UIDS


def test_bwrap_shows_k6_its_directory_its_binary_and_name_resolution_only(tmp_path: Path) -> None:
    k6 = tmp_path / "bin" / "k6"
    k6.parent.mkdir()
    k6.write_text("")
    jail = Jail(tmp_path / "run", SandboxMode.BWRAP, bwrap="/usr/bin/bwrap")
    command = jail.command([str(k6), "inspect", "script.js"], network=False, info_fd=7)

    wrapper, program = command[: command.index("--")], command[command.index("--") + 1 :]
    assert program == [str(k6), "inspect", "script.js"]
    assert wrapper[0] == "/usr/bin/bwrap"
    for flag in ("--unshare-all", "--die-with-parent", "--as-pid-1"):
        assert flag in wrapper
    assert wrapper[wrapper.index("--cap-drop") + 1] == "ALL"
    assert wrapper[wrapper.index("--info-fd") + 1] == "7"
    assert "--share-net" not in wrapper  # validation and the pre-flight inspection have no network
    assert wrapper[wrapper.index("--proc") + 1] == "/proc"
    mounts = [tuple(wrapper[i : i + 3]) for i, arg in enumerate(wrapper) if arg.startswith(("--bind", "--ro-bind"))]
    assert mounts == [
        *(("--ro-bind-try", path, path) for path in BWRAP_READ_ONLY),
        ("--ro-bind", str(k6), str(k6)),
        ("--bind", str(tmp_path / "run"), str(tmp_path / "run")),
    ]
    assert wrapper[wrapper.index("--chdir") + 1] == str(tmp_path / "run")
    assert "--share-net" in jail.command([str(k6), "run"], network=True)  # k6 run reaches its targets


def test_user_jail_changes_the_uid_not_the_command(tmp_path: Path) -> None:
    jail = Jail(tmp_path, SandboxMode.USER, uid=60007)
    assert jail.command(["k6", "run"], network=True) == ["k6", "run"]
    assert jail.process_options() == {"user": 60007, "group": 60007, "extra_groups": []}
    assert not jail.reports_pid
    assert Jail(tmp_path, SandboxMode.NONE).process_options() == {}


def test_uids_go_to_one_jail_at_a_time() -> None:
    pool = UidPool(range(100, 102))
    first, second = pool.acquire(), pool.acquire()
    assert {first, second} == {100, 101}
    with pytest.raises(SandboxError, match="all 2 sandbox uids"):
        pool.acquire()
    pool.release(first)
    assert pool.acquire() == first


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_user_jail_owns_its_directory_only_while_it_runs(tmp_path: Path) -> None:
    sandbox = Sandbox(SandboxMode.USER, uids=UidPool(range(64990, 64991)))
    with sandbox.temporary_jail(tmp_path, prefix="run-") as jail:
        stat = jail.directory.stat()
        assert (stat.st_uid, stat.st_gid, stat.st_mode & 0o777) == (64990, 64990, 0o700)
        (jail.directory / "summary.json").write_text("{}")
        assert jail.directory.stat().st_uid == 64990
        with pytest.raises(SandboxError):  # the only uid is taken
            sandbox.temporary_jail(tmp_path, prefix="other-").__enter__()
        directory = jail.directory
    assert not directory.exists()
    with sandbox.temporary_jail(tmp_path, prefix="run-") as again:  # handed back
        assert again.uid == 64990


# --- settings --------------------------------------------------------------------------------------


def runner_env(tmp_path: Path, **env: str) -> dict[str, str]:
    return {"RUNNER_WORK_DIR": str(tmp_path / "work"), "RUNNER_K6_SANDBOX": "none", **env}


def test_runner_blocks_cloud_metadata_and_adds_the_operators_networks(tmp_path: Path) -> None:
    settings = load_runner_settings(
        runner_env(tmp_path, RUNNER_BLOCKED_CIDRS="10.0.0.0/8", RUNNER_BLOCKED_HOSTNAMES="*.internal")
    )
    assert settings.blocked_cidrs == (
        "169.254.0.0/16",
        "fe80::/10",
        "fd00:ec2::254/128",
        "100.100.100.200/32",
        "10.0.0.0/8",
    )
    assert settings.blocked_hostnames == ("metadata.google.internal", "*.internal")
    assert not any(cidr.startswith("127.") for cidr in settings.blocked_cidrs)  # a runner may test its own host


def test_runner_work_dir_can_be_passed_through_but_not_listed(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir(mode=0o700)
    load_runner_settings(runner_env(tmp_path))
    assert (tmp_path / "work").stat().st_mode & 0o777 == 0o711


def test_runner_sandbox_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(RunnerSettingsError, match="RUNNER_K6_SANDBOX must be one of"):
        load_runner_settings(runner_env(tmp_path, RUNNER_K6_SANDBOX="off"))
    with pytest.raises(RunnerSettingsError, match="RUNNER_K6_SANDBOX_UIDS must hold at least K6_MAX_CONCURRENCY"):
        load_runner_settings(runner_env(tmp_path, RUNNER_K6_SANDBOX_UIDS="60000-60001", K6_MAX_CONCURRENCY="3"))
    with pytest.raises(RunnerSettingsError, match="RUNNER_K6_SANDBOX_UIDS must be"):
        load_runner_settings(runner_env(tmp_path, RUNNER_K6_SANDBOX_UIDS="0-100"))
    assert load_runner_settings(runner_env(tmp_path)).sandbox.mode is SandboxMode.NONE


def test_backend_sandbox_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERCHECK_VALIDATE_SANDBOX", "user")
    monkeypatch.setenv("SUPERCHECK_VALIDATE_SANDBOX_UIDS", "61000-61003")
    settings = load_settings()
    assert (settings.validate_sandbox, settings.validate_sandbox_uids) == (SandboxMode.USER, range(61000, 61004))
    monkeypatch.setenv("SUPERCHECK_VALIDATE_SANDBOX", "chroot")
    with pytest.raises(SettingsError, match="SUPERCHECK_VALIDATE_SANDBOX must be one of"):
        load_settings()


def test_without_bwrap_and_root_auto_leaves_k6_unconfined_and_says_why() -> None:
    # _resolve is resolve_sandbox with what it finds on the machine passed in: here neither bwrap nor root.
    sandbox = sandbox_module._resolve(SandboxMode.AUTO, "k6", None, range(60000, 60010), None, root=False)
    assert sandbox.mode is SandboxMode.NONE
    assert sandbox.fallback is not None
    assert "bwrap (Debian package bubblewrap) is not installed" in sandbox.fallback
    assert "running k6 as another uid needs root" in sandbox.fallback
    with pytest.raises(SandboxError, match="needs root"):
        sandbox_module._resolve(SandboxMode.USER, "k6", None, range(60000, 60010), None, root=False)


def test_a_runner_without_sandbox_warns_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Record through a fresh logger: structlog caches configured loggers, which capture_logs cannot reach
    # once another test has configured logging in this process.
    cap = LogCapture()
    monkeypatch.setattr(runner_settings, "logger", structlog.wrap_logger(None, processors=[cap]))
    load_runner_settings(runner_env(tmp_path))
    logs = cap.entries
    [warning] = [log for log in logs if log["event"] == "k6.sandbox_off"]
    assert warning["log_level"] == "warning"
    assert "every file" in warning["consequence"]
