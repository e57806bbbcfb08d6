"""From "Run" to a finished run, on real runner processes and the real k6 binary."""

import json

from tests.integration.e2e.conftest import CANARY
from tests.support.api import create_job, create_test
from tests.support.runs import finished, k6_script, run_script, wait_for_runners
from tests.support.sse import read_sse


async def test_passing_run_reports_k6s_own_numbers_and_artifacts(http, runners, target):
    runners.start("us-east", filtering=False)
    await wait_for_runners(http, "us-east", 1)
    script = k6_script(
        f"const r = http.get('{target.url}/ok'); check(r, {{ 'is 200': (x) => x.status === 200 }});",
        options="{ vus: 2, duration: '3s', thresholds: { http_req_failed: ['rate<0.01'] } }",
    )
    queued = await run_script(http, script, location="eu-central")
    # Follow it live: console lines while it runs, then `complete`; right after it the run reads as ended.
    events = await read_sse(http, f"/api/runs/{queued['id']}/stream", timeout=60)
    assert any(e.event == "console" for e in events)
    assert (events[-1].event, events[-1].data["status"]) == ("complete", "passed")
    run = (await http.get(f"/api/runs/{queued['id']}")).json()

    assert run["status"] == "passed", run
    assert run["location"] == "eu-central"
    (k6,) = run["k6Runs"]
    summary = k6["summaryJson"]["metrics"]
    assert k6["status"] == "passed"
    assert k6["location"] == "us-east"  # where it actually ran (this runner does not filter)
    assert k6["totalRequests"] == target.count("/ok") == summary["http_reqs"]["count"] > 0
    assert k6["requestRate"] == summary["http_reqs"]["rate"]
    assert k6["avgResponseTimeMs"] == summary["http_req_duration"]["avg"]
    assert k6["p95ResponseTimeMs"] == summary["http_req_duration"]["p(95)"]
    assert k6["p99ResponseTimeMs"] == summary["http_req_duration"]["p(99)"]
    assert k6["failedRequests"] == 0
    assert k6["checksPassed"] == k6["totalRequests"]
    assert k6["peakVus"] == 2
    assert k6["thresholdsPassed"] is True
    assert k6["exitCode"] == 0

    report = await http.get(k6["reportUrl"])
    assert report.status_code == 200
    assert "sandbox" in report.headers["content-security-policy"]
    assert "<html" in report.text.lower()
    assert json.loads((await http.get(k6["summaryUrl"])).content) == k6["summaryJson"]
    console = (await http.get(k6["consoleUrl"])).text
    assert "http_reqs" in console
    assert run["reportUrl"] == k6["reportUrl"]


async def test_crossed_threshold_ends_failed(http, runners, target):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    script = k6_script(
        f"http.get('{target.url}/fail');",
        options="{ vus: 1, duration: '2s', thresholds: { http_req_failed: ['rate<0.01'] } }",
    )
    run = await finished(http, (await run_script(http, script))["id"])
    assert run["status"] == "failed"
    (k6,) = run["k6Runs"]
    assert (k6["status"], k6["exitCode"], k6["thresholdsPassed"]) == ("failed", 99, False)
    assert k6["failedRequests"] == target.count("/fail") > 0
    assert "http_req_failed" in (run["errorDetails"] or k6["errorDetails"])


async def test_script_error_ends_in_error_with_k6s_message(http, runners):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    # setup() runs only under `k6 run`, so validation (k6 inspect) lets it through.
    script = k6_script("sleep(0.1);", extra="export function setup() { throw new Error('seed data missing'); }")
    run = await finished(http, (await run_script(http, script))["id"])
    assert run["status"] == "error"
    (k6,) = run["k6Runs"]
    assert k6["exitCode"] == 107
    assert "seed data missing" in k6["errorDetails"]
    assert "seed data missing" in run["errorDetails"]


async def test_job_of_three_tests_runs_three_k6_processes(http, runners, target):
    runners.start("asia-pacific")
    await wait_for_runners(http, "asia-pacific", 1)
    tests = [
        await create_test(
            http,
            title=f"step {i}",
            script=k6_script(f"http.get('{target.url}/step{i}');", options="{ vus: 1, iterations: 2 }"),
        )
        for i in range(3)
    ]
    job = await create_job(http, name="three steps", location="asia-pacific", testIds=[t["id"] for t in tests])
    response = await http.post("/api/runs", json={"jobId": job["id"]})
    assert response.status_code == 201, response.text
    run = await finished(http, response.json()["id"])
    assert run["status"] == "passed", run
    assert sorted(k["testId"] for k in run["k6Runs"]) == sorted(t["id"] for t in tests)
    assert all(k["status"] == "passed" and k["location"] == "asia-pacific" for k in run["k6Runs"])
    assert [target.count(f"/step{i}") for i in range(3)] == [2, 2, 2]


async def test_nine_runs_in_three_regions_each_run_once_in_its_own_region(http, runners, target):
    locations = ["us-east", "eu-central", "asia-pacific"]
    for location in locations:
        runners.start(location, filtering=True)
    for location in locations:
        await wait_for_runners(http, location, 1)
    queued = []
    for i in range(9):
        script = k6_script(f"http.get('{target.url}/run{i}');", options="{ vus: 1, iterations: 3 }")
        queued.append(await run_script(http, script, location=locations[i % 3], title=f"run {i}"))
    runs = [await finished(http, q["id"], timeout=120) for q in queued]
    for i, run in enumerate(runs):
        assert run["status"] == "passed", run
        assert [k["location"] for k in run["k6Runs"]] == [locations[i % 3]]
        assert run["metadata"]["runnerId"].startswith(locations[i % 3]) if "runnerId" in run["metadata"] else True
        assert target.count(f"/run{i}") == 3  # it ran, and only once


async def test_location_without_runner_is_409_and_a_queued_run_expires_with_a_reason(http, runners, server, settings):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    script = k6_script("sleep(0.1);")
    test = await create_test(http, script=script)
    refused = await http.post(f"/api/tests/{test['id']}/execute", json={"location": "asia-pacific"})
    assert refused.status_code == 409
    assert "asia-pacific" in refused.json()["detail"]
    assert (await http.get("/api/runs")).json()["total"] == 0


async def test_runner_environment_never_reaches_the_script(http, runners):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    script = k6_script("console.log('ENV=' + JSON.stringify(__ENV));", options="{ vus: 1, iterations: 1 }")
    run = await finished(http, (await run_script(http, script))["id"])
    assert run["status"] == "passed", run
    (k6,) = run["k6Runs"]
    console = (await http.get(k6["consoleUrl"])).text
    assert "ENV=" in console
    assert CANARY not in console
    assert "SUPERCHECK_NATS_PASSWORD" not in console
    assert "SUPERCHECK_RUNNER_CANARY" not in console
    events = await read_sse(http, f"/api/runs/{run['id']}/stream")
    assert events[-1].event == "complete"
    streamed = "\n".join(line for e in events if e.event == "console" for line in e.data["lines"])
    assert "ENV=" in streamed
    assert CANARY not in streamed


async def test_a_project_quota_below_the_scripts_vus_ends_the_run_before_any_load(http, runners, target):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    assert (await http.patch("/api/project", json={"maxVus": 2})).json()["quotas"]["maxVus"] == 2
    script = k6_script(f"http.get('{target.url}/quota');", options="{ vus: 5, duration: '2s' }")
    run = await finished(http, (await run_script(http, script))["id"])
    assert run["status"] == "error"
    assert "5 VUs" in run["errorDetails"]
    assert "limit is 2" in run["errorDetails"]
    assert target.count("/quota") == 0
