"""Checks a k6 performance script before it is saved or run: fast static rules, then a real `k6 inspect`.

The inspection runs the script's init code, so it gets a throw-away directory, a scrubbed environment and
the k6 sandbox (``SUPERCHECK_VALIDATE_SANDBOX``): with bwrap it sees nothing of this machine and has no
network, so neither ``open()`` nor a remote module import reaches anything.
"""

import asyncio
import contextlib
import re
import shutil
from pathlib import Path
from typing import Literal

import msgspec
import structlog

from schema.base import CamelStruct
from schema.sandbox import VALIDATION_UIDS, Jail, Sandbox, SandboxMode, resolve_sandbox

logger = structlog.get_logger()

NODE_MODULES = ("fs", "path", "child_process", "net", "http", "https", "crypto", "os")
_NODE = "|".join(NODE_MODULES)
# The exact specifier only ('http', 'node:fs', 'fs/promises'), so 'k6/http' never matches.
_NODE_SPEC = rf"""['"]((?:node:)?(?:{_NODE})(?:/[\w/]*)?)['"]"""
_NODE_IMPORT = re.compile(
    rf"""\bimport\b[^;'"]*?\bfrom\s*{_NODE_SPEC}|\bimport\s*{_NODE_SPEC}|\b(?:require|import)\s*\(\s*{_NODE_SPEC}\s*\)"""
)
_K6_IMPORT = re.compile(r"""\bimport\b[^;'"]*?\bfrom\s*(['"])k6(?:/[^'"]*)?\1""")
_DEFAULT_EXPORT = re.compile(
    r"""\bexport\s+default\s+(?:async\s+)?(?:function\b|(?:\([^)]*\)|[\w$]+)\s*=>)"""
    r"""|\bexport\s*\{[^}]*\bas\s+default\b"""
)
_OPTIONS_EXPORT = re.compile(r"\bexport\s+(?:const|let|var)\s+options\s*=")

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LOADER_PREFIX = re.compile(r"^(?:could not (?:initialize|load JS test) '[^']*': )+")
_SYNTAX = re.compile(r"^script\.js: Line (\d+):(\d+) (.*)$", re.DOTALL)
_FRAME = re.compile(r"script\.js:(\d+):(\d+)")
_UNKNOWN_MODULE = re.compile(r"^unknown module: (\S+)")
_MISSING_FILE = re.compile(r"""^The moduleSpecifier "([^"]+)" couldn't be found on local disk""")
_REMOTE_FAILED = re.compile(r"""^The moduleSpecifier "([^"]+)" couldn't be retrieved""")
_MAX_MESSAGE = 500
# A script that floods the console could fill memory; k6 writes its fatal error last, so keep the tail.
_STDERR_TAIL_BYTES = 256 * 1024


# The ignores: mypy's dataclass_transform rules reject a frozen Struct on a non-frozen base (msgspec#657).
class ScriptIssue(CamelStruct):
    """One problem found in a script, with its position when known."""

    message: str
    rule: str
    severity: Literal["error", "warning"]
    line: int | None = None
    column: int | None = None


class ValidationResult(CamelStruct):
    """Everything wrong with a script; ``valid`` is true when there are warnings at most."""

    valid: bool
    errors: list[ScriptIssue]
    warnings: list[ScriptIssue]


def _blank_comments(script: str) -> str:
    """Replace comments by spaces (newlines kept) so commented-out imports neither count nor get flagged."""
    out = list(script)
    i, n, quote = 0, len(script), ""
    while i < n:
        ch, nxt = script[i], script[i + 1 : i + 2]
        if quote:
            # An unclosed ' or " ends at the line break, so a stray quote cannot swallow the file.
            if ch == "\\":
                i += 1
            elif ch == quote or (ch == "\n" and quote != "`"):
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == "/" and nxt in ("/", "*"):
            if nxt == "/":
                end = script.find("\n", i)
                end = n if end == -1 else end
            else:
                end = script.find("*/", i + 2)
                end = n if end == -1 else end + 2
            for j in range(i, end):
                out[j] = "\n" if script[j] == "\n" else " "
            i = end
            continue
        i += 1
    return "".join(out)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _error(message: str, rule: str, line: int | None = None, column: int | None = None) -> ScriptIssue:
    return ScriptIssue(message=message, rule=rule, severity="error", line=line, column=column)


def static_issues(script: str) -> list[ScriptIssue]:
    """The seed's rules: a k6 import, a default export, no Node.js modules; options only advised."""
    if not script.strip():
        return [_error("Script is empty", "empty")]
    code = _blank_comments(script)
    issues: list[ScriptIssue] = []
    if not _K6_IMPORT.search(code):
        issues.append(_error('Script must import from k6 modules (e.g., import http from "k6/http")', "k6-import"))
    if not _DEFAULT_EXPORT.search(code):
        issues.append(_error("Script must export a default function", "default-export"))
    for match in _NODE_IMPORT.finditer(code):
        module = match.group(1) or match.group(2) or match.group(3)
        message = f'k6 does not support Node.js module "{module}". Use k6 built-in modules instead.'
        issues.append(_error(message, "node-module", _line_of(code, match.start())))
    if not _OPTIONS_EXPORT.search(code):
        message = 'Consider adding "export const options" to configure VUs, duration, and thresholds'
        issues.append(ScriptIssue(message=message, rule="options-missing", severity="warning"))
    return issues


def _clean_message(raw: str, tmp_dir: str) -> str:
    text = _ANSI.sub("", raw).strip()
    for prefix in {tmp_dir, str(Path(tmp_dir).resolve())}:
        text = text.replace(f"file://{prefix}/", "").replace(f"{prefix}/", "")
    return _LOADER_PREFIX.sub("", text.removeprefix("GoError: ")).strip()


def _import_issue(text: str, script: str) -> ScriptIssue | None:
    """k6 names a module it cannot load but not where it is imported; find that line ourselves."""
    if unknown := _UNKNOWN_MODULE.match(text):
        module, message = unknown.group(1), f'Unknown module "{unknown.group(1)}"'
    elif missing := _MISSING_FILE.match(text):
        module = missing.group(1)
        # The script is saved and run on its own, so there never is a local file next to it.
        message = f'Module "{module}" not found: a script runs on its own and cannot import local files'
    elif remote := _REMOTE_FAILED.match(text):
        module = remote.group(1)
        # Sandboxed validation has no network; the detail (an address, a refused connection) helps nobody.
        message = f'Remote module "{module}" could not be loaded: a script must not import remote modules'
    else:
        return None
    at = re.search(rf"""['"]{re.escape(module)}['"]""", _blank_comments(script))
    return _error(message, "init-error", _line_of(script, at.start()) if at else None)


def _issue_from_k6_error(raw: str, tmp_dir: str, script: str) -> ScriptIssue:
    """Turn one k6 error record into an issue: a parse error, a missing module or an init-time exception."""
    text = _clean_message(raw, tmp_dir)
    if syntax := _SYNTAX.match(text):
        message = f"Syntax error: {syntax.group(3).strip()}"
        return _error(message[:_MAX_MESSAGE], "syntax", int(syntax.group(1)), int(syntax.group(2)))
    if issue := _import_issue(text, script):
        return issue
    head, _, stack = text.partition("\n")
    # The first frame inside the script is where the user's code threw; later frames are its callers.
    frame = _FRAME.search(stack)
    line, column = (int(frame.group(1)), int(frame.group(2))) if frame else (None, None)
    if frame is None and stack.strip():
        # Not a stack trace but the details (e.g. which option is wrong): keep them, on one line.
        head = f"{head.strip()} {' '.join(stack.split())}"
    return _error(head.strip()[:_MAX_MESSAGE] or "The script failed in its init code", "init-error", line, column)


def _k6_errors(stderr: str) -> list[str]:
    """Fatal error messages from k6's JSON log lines; the script's own console.error output is not one."""
    found: list[str] = []
    for line in stderr.splitlines():
        with contextlib.suppress(msgspec.DecodeError):
            record = msgspec.json.decode(line)
            if isinstance(record, dict) and record.get("level") == "error" and record.get("source") != "console":
                found.append(str(record.get("msg", "")))
    return found


async def _read_tail(stream: asyncio.StreamReader) -> bytes:
    tail = bytearray()
    while chunk := await stream.read(65536):
        tail += chunk
        del tail[:-_STDERR_TAIL_BYTES]
    return bytes(tail)


class K6Inspector:
    """Runs `k6 inspect --execution-requirements` on scripts, a bounded number at a time."""

    def __init__(
        self,
        k6_bin: str,
        *,
        timeout_s: float = 10,
        concurrency: int = 4,
        sandbox: SandboxMode = SandboxMode.AUTO,
        sandbox_uids: range = VALIDATION_UIDS,
    ) -> None:
        """Probes the sandbox now (once per process): a mode named explicitly that does not work raises SandboxError."""
        if len(sandbox_uids) < concurrency:  # each inspection in flight holds a uid of its own in user mode
            msg = f"the validation sandbox needs at least {concurrency} uids (the concurrency), got {len(sandbox_uids)}"
            raise ValueError(msg)
        # which() accepts a bare name or a path, and only returns files we may execute.
        self._bin = shutil.which(k6_bin)
        self._timeout_s = timeout_s
        self._slots = asyncio.Semaphore(concurrency)
        self.sandbox = Sandbox(SandboxMode.NONE)
        if self._bin is not None:
            self.sandbox = resolve_sandbox(sandbox, k6_bin=self._bin, base_dir=None, uids=sandbox_uids)
            self.sandbox.announce(
                logger, "validation", "script init code can read every file the backend's user can (docs/security.md)"
            )

    @property
    def available(self) -> bool:
        return self._bin is not None

    async def inspect(self, script: str) -> list[ScriptIssue]:
        """Issues k6 reports when loading the script; empty when k6 accepts it."""
        if self._bin is None:
            raise RuntimeError("k6 binary is not available")
        async with self._slots:
            with self.sandbox.temporary_jail(None, prefix="k6-inspect-") as jail:
                await asyncio.to_thread((jail.directory / "script.js").write_text, script, encoding="utf-8")
                return await self._run(self._bin, jail, script)

    async def _run(self, k6_bin: str, jail: Jail, script: str) -> list[ScriptIssue]:
        tmp_dir = str(jail.directory)
        # Built from scratch: k6 shows its environment to scripts as __ENV, so nothing of ours may leak in.
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp_dir, "K6_NO_USAGE_REPORT": "true"}
        args = ("--log-format=json", "--no-color", "inspect", "--execution-requirements", "script.js")
        proc = await asyncio.create_subprocess_exec(
            *jail.command([k6_bin, *args], network=False),
            cwd=tmp_dir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # no controlling terminal for k6 to reach, whatever the backend runs under
            **jail.process_options(),
        )
        try:
            assert proc.stderr is not None  # stderr=PIPE guarantees it; this narrows the type
            stderr, code = await asyncio.wait_for(asyncio.gather(_read_tail(proc.stderr), proc.wait()), self._timeout_s)
        except TimeoutError:
            message = f"k6 inspect did not finish within {self._timeout_s:g} s (an endless loop in the init code?)"
            return [_error(message, "timeout")]
        finally:
            # Also on cancellation (the client went away): never leave k6 running.
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        if code == 0:
            return []
        text = stderr.decode("utf-8", "replace")
        if messages := _k6_errors(text):
            return [_issue_from_k6_error(message, tmp_dir, script) for message in dict.fromkeys(messages)]
        detail = _clean_message(text, tmp_dir)[-_MAX_MESSAGE:] or "no output"
        return [_error(f"k6 inspect failed with exit code {code}: {detail}", "init-error")]


async def validate_performance_script(
    script: str, inspector: K6Inspector | None, *, max_bytes: int
) -> ValidationResult:
    """Static rules first; `k6 inspect` only for a script they pass, since it costs a process."""
    size = len(script.encode("utf-8"))
    if size > max_bytes:
        issues = [_error(f"Script is {size} bytes; the limit is {max_bytes} bytes", "too-large")]
    else:
        issues = static_issues(script)
        if inspector is not None and inspector.available and not any(i.severity == "error" for i in issues):
            issues += await inspector.inspect(script)
    errors = [issue for issue in issues if issue.severity == "error"]
    warnings = [issue for issue in issues if issue.severity == "warning"]
    return ValidationResult(valid=not errors, errors=errors, warnings=warnings)
