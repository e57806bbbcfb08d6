"""The k6 execution layer: build the command and a scrubbed environment, check a script's
requirements, run k6 with live console lines, cancel and timeout, and read its summary."""

from runner.k6.command import REPORT_FILE, SUMMARY_FILE, SUMMARY_TREND_STATS, build_command, build_env
from runner.k6.exit_codes import k6_exit_reason, k6_exit_to_status
from runner.k6.lines import SECRET_MASK, LineSplitter, Redactor, no_redaction, secret_redactor
from runner.k6.process import K6Process, K6Result, LineCallback, run_k6
from runner.k6.requirements import ExecutionRequirements, ScriptError, execution_requirements, parse_go_duration
from runner.k6.summary import K6Metrics, SummaryError, failed_thresholds, parse_summary, read_summary

__all__ = [
    "REPORT_FILE",
    "SECRET_MASK",
    "SUMMARY_FILE",
    "SUMMARY_TREND_STATS",
    "ExecutionRequirements",
    "K6Metrics",
    "K6Process",
    "K6Result",
    "LineCallback",
    "LineSplitter",
    "Redactor",
    "ScriptError",
    "SummaryError",
    "build_command",
    "build_env",
    "execution_requirements",
    "failed_thresholds",
    "k6_exit_reason",
    "k6_exit_to_status",
    "no_redaction",
    "parse_go_duration",
    "parse_summary",
    "read_summary",
    "run_k6",
    "secret_redactor",
]
