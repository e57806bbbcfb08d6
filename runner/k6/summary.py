"""Read k6's ``--summary-export`` file into :class:`K6Metrics`.

The format, as k6 v1.1.0 writes it: each metric's values sit directly on the metric
(``metrics.http_reqs.count``, ``metrics.http_req_duration["p(95)"]``); rate metrics carry
``passes`` (samples that were true: for ``http_req_failed`` the *failed* requests, for
``checks`` the successful checks), ``fails`` and ``value``; ``thresholds`` maps each
expression to a boolean that is true when the threshold *failed*. Trend values are milliseconds.
Metrics with no samples are absent (a script without HTTP calls has no ``http_reqs``).
"""

from pathlib import Path

import msgspec

from schema.messages import K6Metrics

__all__ = ["K6Metrics", "SummaryError", "failed_thresholds", "parse_summary", "read_summary"]

_DURATION_COUNTERS = ("iterations", "http_reqs", "data_sent", "data_received")


class SummaryError(ValueError):
    """The summary file is not what k6 writes (truncated, not JSON, wrong shapes)."""


class _Metric(msgspec.Struct, forbid_unknown_fields=False):
    count: float | None = None
    rate: float | None = None
    avg: float | None = None
    p95: float | None = msgspec.field(default=None, name="p(95)")
    p99: float | None = msgspec.field(default=None, name="p(99)")
    maximum: float | None = msgspec.field(default=None, name="max")
    value: float | None = None
    passes: int | None = None
    fails: int | None = None
    thresholds: dict[str, bool] | None = None


class _Export(msgspec.Struct, forbid_unknown_fields=False):
    metrics: dict[str, _Metric] = msgspec.field(default_factory=dict)


def parse_summary(raw: bytes | str, *, wall_duration_s: float | None = None) -> K6Metrics:
    """The metrics of one run; ``wall_duration_s`` is used for VU-minutes only if the export cannot tell."""
    metrics = _decode(raw).metrics
    http_reqs = metrics.get("http_reqs")
    http_failed = metrics.get("http_req_failed")
    duration = metrics.get("http_req_duration")
    iterations = metrics.get("iterations")
    checks = metrics.get("checks")
    peak_vus = _peak_vus(metrics)
    run_s = _run_duration_s(metrics) or wall_duration_s
    return K6Metrics(
        total_requests=_whole(http_reqs.count) if http_reqs else None,
        failed_requests=http_failed.passes if http_failed else None,
        request_rate=http_reqs.rate if http_reqs else None,
        avg_response_time_ms=duration.avg if duration else None,
        p95_response_time_ms=duration.p95 if duration else None,
        p99_response_time_ms=duration.p99 if duration else None,
        peak_vus=peak_vus,
        iterations=_whole(iterations.count) if iterations else None,
        checks_passed=checks.passes if checks else None,
        checks_failed=checks.fails if checks else None,
        data_sent_bytes=_counter(metrics, "data_sent"),
        data_received_bytes=_counter(metrics, "data_received"),
        vu_minutes=round(peak_vus * run_s / 60, 4) if peak_vus is not None and run_s is not None else None,
        thresholds_passed=_thresholds_passed(metrics),
    )


def read_summary(path: Path, *, wall_duration_s: float | None = None) -> K6Metrics | None:
    """Like :func:`parse_summary` for a file; None when k6 wrote none (killed, or stopped before the end)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return parse_summary(raw, wall_duration_s=wall_duration_s)


def failed_thresholds(raw: bytes | str) -> list[str]:
    """Each crossed threshold as ``"metric: expression"``, in the file's order."""
    return [
        f"{name}: {expression}"
        for name, metric in _decode(raw).metrics.items()
        for expression, failed in (metric.thresholds or {}).items()
        if failed
    ]


def _decode(raw: bytes | str) -> _Export:
    try:
        return msgspec.json.decode(raw, type=_Export)
    except msgspec.DecodeError as exc:
        raise SummaryError(f"not a k6 summary export: {exc}") from exc


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _counter(metrics: dict[str, _Metric], name: str) -> int | None:
    metric = metrics.get(name)
    return _whole(metric.count) if metric else None


def _peak_vus(metrics: dict[str, _Metric]) -> int | None:
    # vus_max is what k6 allocated (what a VU quota counts); vus only what was active.
    for name in ("vus_max", "vus"):
        metric = metrics.get(name)
        if metric is not None:
            peak = metric.maximum if metric.maximum is not None else metric.value
            if peak is not None:
                return round(peak)
    return None


def _run_duration_s(metrics: dict[str, _Metric]) -> float | None:
    """k6 computes every counter's rate as count / test run duration, so any counter gives the duration back."""
    for name in _DURATION_COUNTERS:
        metric = metrics.get(name)
        if metric and metric.count and metric.rate:
            return metric.count / metric.rate
    return None


def _thresholds_passed(metrics: dict[str, _Metric]) -> bool | None:
    verdicts = [failed for metric in metrics.values() for failed in (metric.thresholds or {}).values()]
    return None if not verdicts else not any(verdicts)
