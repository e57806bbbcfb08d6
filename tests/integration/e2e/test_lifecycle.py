"""Cancel at every stage, expiry, a dead runner, concurrency bounds and the S3 store, on real runners."""

import asyncio
from datetime import datetime

import pytest

from tests.support.api import create_test
from tests.support.runs import finished, k6_script, run_script, wait_for_runners
from tests.support.wait import eventually

LONG = "{ vus: 2, duration: '30s' }"


async def running_with_load(http, run_id, target, path):
    async def started() -> bool:
        run = (await http.get(f"/api/runs/{run_id}")).json()
        return run["status"] == "running" and target.count(path) > 0

    await eventually(started, timeout=30, interval=0.2)


async def test_cancel_a_running_run_stops_k6_within_seconds(http, runners, target):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    run = await run_script(http, k6_script(f"http.get('{target.url}/long'); sleep(0.1);", options=LONG))
    await running_with_load(http, run["id"], target, "/long")

    response = await http.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 202, response.text
    done = await finished(http, run["id"], timeout=20)
    assert done["status"] == "cancelled"
    assert done["k6Runs"][0]["status"] == "cancelled"
    assert done["durationMs"] < 25_000
    hits = target.count("/long")
    await asyncio.sleep(1.5)
    assert target.count("/long") == hits  # k6 no longer generates load
    assert (await http.post(f"/api/runs/{run['id']}/cancel")).status_code == 409


async def test_cancel_a_queued_run_and_a_runner_arriving_later_skips_it(http, runners, target):
    script = k6_script(f"http.get('{target.url}/never');")
    run = await run_script(http, script, location="eu-central", queueIfUnavailable=True)
    assert run["status"] == "queued"
    response = await http.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"

    runners.start("eu-central")
    await wait_for_runners(http, "eu-central", 1)
    probe = await finished(
        http,
        (await run_script(http, k6_script("sleep(0.1);", options="{ vus: 1, iterations: 1 }"), location="eu-central"))[
            "id"
        ],
    )
    assert probe["status"] == "passed"  # the runner is working, and it never ran the cancelled request
    assert target.count("/never") == 0
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "cancelled"


async def test_cancel_racing_the_claim_is_not_lost(http, runners, target):
    runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    run = await run_script(http, k6_script(f"http.get('{target.url}/race'); sleep(0.1);", options=LONG))
    await http.post(f"/api/runs/{run['id']}/cancel")  # queued, claimed or just started: whichever it is
    done = await finished(http, run["id"], timeout=30)
    assert done["status"] == "cancelled"
    hits = target.count("/race")
    await asyncio.sleep(1.5)
    assert target.count("/race") == hits


@pytest.mark.settings(run_queue_timeout_s=3)
async def test_a_run_queued_where_no_runner_is_ends_in_error_naming_the_location(http, runners):
    runners.start("us-east")  # filters: it naks the request, never drops it
    await wait_for_runners(http, "us-east", 1)
    test = await create_test(http, script=k6_script("sleep(0.1);"))
    refused = await http.post(f"/api/tests/{test['id']}/execute", json={"location": "asia-pacific"})
    assert refused.status_code == 409
    assert "asia-pacific" in refused.json()["detail"]
    queued = await http.post(
        f"/api/tests/{test['id']}/execute", json={"location": "asia-pacific", "queueIfUnavailable": True}
    )
    assert queued.status_code == 201
    done = await finished(http, queued.json()["id"], timeout=20)
    assert done["status"] == "error"
    assert "asia-pacific" in done["errorDetails"]
    assert done["k6Runs"] == []


async def test_a_runner_that_stops_heartbeating_leaves_an_error_naming_it(http, runners, target):
    runner_id = runners.start("us-east")
    await wait_for_runners(http, "us-east", 1)
    run = await run_script(
        http, k6_script(f"http.get('{target.url}/orphan'); sleep(0.1);", options="{ vus: 1, duration: '8s' }")
    )
    await running_with_load(http, run["id"], target, "/orphan")
    runners.kill(runner_id)
    done = await finished(http, run["id"], timeout=45)
    assert done["status"] == "error"
    assert runner_id in done["errorDetails"]
    assert "us-east" in done["errorDetails"]


async def test_six_runs_on_one_runner_never_exceed_its_concurrency(http, runners, target):
    runners.start("us-east", concurrency=3)
    await wait_for_runners(http, "us-east", 1)
    script = k6_script(f"http.get('{target.url}/c'); sleep(0.2);", options="{ vus: 1, duration: '3s' }")
    queued = [await run_script(http, script, title=f"c{i}") for i in range(6)]
    runs = [await finished(http, q["id"], timeout=90) for q in queued]
    assert all(r["status"] == "passed" for r in runs), [r["status"] for r in runs]
    spans = [
        (datetime.fromisoformat(r["k6Runs"][0]["startedAt"]), datetime.fromisoformat(r["k6Runs"][0]["completedAt"]))
        for r in runs
    ]
    overlap = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert 2 <= overlap <= 3


async def test_artifacts_in_s3(http, runners, target, s3_server):
    # The backend of this test reads the same S3 store (the e2e `settings` fixture sees `s3_server`).
    runners.start("us-east", env=dict(s3_server))
    await wait_for_runners(http, "us-east", 1)
    run = await finished(
        http,
        (await run_script(http, k6_script(f"http.get('{target.url}/s3');", options="{ vus: 1, duration: '2s' }")))[
            "id"
        ],
    )
    assert run["status"] == "passed", run
    (k6,) = run["k6Runs"]
    report = await http.get(k6["reportUrl"])
    assert report.status_code == 200
    assert "<html" in report.text.lower()
    assert (await http.get(k6["summaryUrl"])).json()["metrics"]["http_reqs"]["count"] == target.count("/s3")
