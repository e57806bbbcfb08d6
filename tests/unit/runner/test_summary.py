"""Reading k6's --summary-export into K6Metrics, against files a real k6 v1.1.0 run wrote.

The files under data/ were captured by running k6 v1.1.0 through runner.k6.K6Process with
``--summary-trend-stats avg,min,med,max,p(90),p(95),p(99)``:

- summary_http_mixed.json: 2 VUs for 2 s against a ThreadingHTTPServer on 127.0.0.1 whose
  /mixed path answered every 4th request with 500; thresholds ``http_req_failed: rate<0.01``
  (crossed) and ``http_req_duration: p(95)<5000`` (held); one check ``is 200``. The server
  counted 1147 requests, 286 of them answered 500.
- summary_no_http.json: 3 VUs for 2 s that only sleep 0.25 s: no HTTP, no checks, no thresholds.
"""

import json
from pathlib import Path

import msgspec
import pytest

from runner.k6.summary import K6Metrics, SummaryError, failed_thresholds, parse_summary, read_summary

DATA = Path(__file__).parent / "data"
MIXED = DATA / "summary_http_mixed.json"
NO_HTTP = DATA / "summary_no_http.json"

SERVER_COUNTED_REQUESTS = 1147
SERVER_COUNTED_500S = 286


def test_request_counts_match_what_the_server_counted() -> None:
    metrics = parse_summary(MIXED.read_bytes())
    assert metrics.total_requests == SERVER_COUNTED_REQUESTS
    assert metrics.failed_requests == SERVER_COUNTED_500S  # http_req_failed.passes, not .fails


def test_checks_count_successes_as_passes() -> None:
    metrics = parse_summary(MIXED.read_bytes())
    assert metrics.checks_passed == SERVER_COUNTED_REQUESTS - SERVER_COUNTED_500S
    assert metrics.checks_failed == SERVER_COUNTED_500S


def test_values_are_read_from_the_metric_itself_not_a_values_key() -> None:
    raw = json.loads(MIXED.read_text())["metrics"]
    assert "values" not in raw["http_reqs"]  # the seed's assumption, wrong for k6 1.x
    metrics = parse_summary(MIXED.read_bytes())
    assert metrics.request_rate == pytest.approx(raw["http_reqs"]["rate"])
    assert metrics.avg_response_time_ms == pytest.approx(raw["http_req_duration"]["avg"])
    assert metrics.p95_response_time_ms == pytest.approx(raw["http_req_duration"]["p(95)"])
    assert metrics.p99_response_time_ms == pytest.approx(raw["http_req_duration"]["p(99)"])
    assert 0 < metrics.avg_response_time_ms <= metrics.p95_response_time_ms <= metrics.p99_response_time_ms
    assert metrics.iterations == SERVER_COUNTED_REQUESTS  # one request per iteration
    assert metrics.data_sent_bytes == raw["data_sent"]["count"] > 0
    assert metrics.data_received_bytes == raw["data_received"]["count"] > 0
    assert metrics.peak_vus == 2


def test_a_crossed_threshold_means_not_passed_even_when_another_held() -> None:
    assert parse_summary(MIXED.read_bytes()).thresholds_passed is False
    assert failed_thresholds(MIXED.read_bytes()) == ["http_req_failed: rate<0.01"]


def test_a_threshold_boolean_true_means_failed() -> None:
    summary = {"metrics": {"http_req_duration": {"avg": 1.0, "thresholds": {"p(95)<5000": False}}}}
    assert parse_summary(json.dumps(summary)).thresholds_passed is True
    summary["metrics"]["http_req_duration"]["thresholds"] = {"p(95)<5000": True}
    assert parse_summary(json.dumps(summary)).thresholds_passed is False


def test_vu_minutes_come_from_peak_vus_and_the_run_duration_in_the_export() -> None:
    # k6 computes a counter's rate as count / test run duration: 2 VUs for ~2 s.
    metrics = parse_summary(MIXED.read_bytes(), wall_duration_s=999.0)
    assert metrics.vu_minutes == pytest.approx(2 * 2.0 / 60, rel=0.05)
    no_http = parse_summary(NO_HTTP.read_bytes())
    assert no_http.vu_minutes == pytest.approx(3 * 2.0 / 60, rel=0.05)


def test_a_script_without_http_has_no_request_metrics_and_no_thresholds() -> None:
    metrics = parse_summary(NO_HTTP.read_bytes())
    assert metrics.total_requests is None
    assert metrics.failed_requests is None
    assert metrics.request_rate is None
    assert metrics.avg_response_time_ms is None
    assert metrics.p95_response_time_ms is None
    assert metrics.checks_passed is None
    assert metrics.thresholds_passed is None
    assert metrics.peak_vus == 3
    assert metrics.iterations == 24
    assert metrics.data_sent_bytes == 0


def test_wall_duration_is_the_fallback_when_no_counter_tells_the_duration() -> None:
    summary = {"metrics": {"vus_max": {"value": 4, "min": 4, "max": 4}, "data_sent": {"count": 0, "rate": 0}}}
    assert parse_summary(json.dumps(summary), wall_duration_s=90.0).vu_minutes == pytest.approx(6.0)
    assert parse_summary(json.dumps(summary)).vu_minutes is None


def test_metrics_encode_camel_case_for_the_wire() -> None:
    encoded = json.loads(msgspec.json.encode(parse_summary(MIXED.read_bytes())))
    assert encoded["totalRequests"] == SERVER_COUNTED_REQUESTS
    assert encoded["failedRequests"] == SERVER_COUNTED_500S
    assert encoded["thresholdsPassed"] is False
    assert msgspec.json.decode(msgspec.json.encode(parse_summary(MIXED.read_bytes())), type=K6Metrics).peak_vus == 2


def test_read_summary_is_none_when_k6_wrote_no_file(tmp_path: Path) -> None:
    assert read_summary(tmp_path / "summary.json") is None
    assert read_summary(MIXED) == parse_summary(MIXED.read_bytes())


@pytest.mark.parametrize("raw", [b"", b'{"metrics": {', b"[]", b'{"metrics": {"http_reqs": {"count": "many"}}}'])
def test_a_broken_file_is_a_summary_error(raw: bytes) -> None:
    with pytest.raises(SummaryError):
        parse_summary(raw)
