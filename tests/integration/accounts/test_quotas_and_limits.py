"""Per-project quotas (checked before any load) and rate limits on triggering and signing in (429 + Retry-After)."""

import dataclasses

import msgspec
from litestar.testing import AsyncTestClient

from backend.app import create_app
from schema import nats as names
from schema.messages import RunRequest
from tests.conftest import new_project_key
from tests.support.api import create_test
from tests.support.k6_scripts import VALID_K6


def _perf_test() -> dict[str, str]:
    return {"title": "o", "type": "performance", "script": VALID_K6}


async def test_an_admin_lowers_quotas_but_never_above_the_platforms_ceiling(api, settings):
    project = (await api.get("/api/project")).json()
    assert project["quotas"] == {
        "maxVus": settings.max_vus,
        "maxDurationS": settings.max_duration_s,
        "maxConcurrentRuns": settings.max_concurrent_runs,
    }
    assert project["ceilings"] == project["quotas"]
    too_high = await api.patch("/api/project", json={"maxVus": settings.max_vus + 1})
    assert too_high.status_code == 400
    assert str(settings.max_vus) in too_high.json()["detail"]
    assert (await api.patch("/api/project", json={"maxVus": 0})).status_code == 400
    assert (await api.get("/api/project")).json()["quotas"]["maxVus"] == settings.max_vus  # unchanged

    lowered = await api.patch("/api/project", json={"maxVus": 7, "maxDurationS": 60, "maxConcurrentRuns": 3})
    assert lowered.json()["quotas"] == {"maxVus": 7, "maxDurationS": 60, "maxConcurrentRuns": 3}
    assert lowered.json()["ceilings"]["maxVus"] == settings.max_vus
    reset = await api.patch("/api/project", json={"maxVus": None})
    assert reset.json()["quotas"]["maxVus"] == settings.max_vus


async def test_the_run_request_carries_the_projects_quotas_to_the_runner(api, nats_client):
    await api.patch("/api/project", json={"maxVus": 3, "maxDurationS": 45})
    test = await create_test(api)
    run = await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})
    assert run.status_code == 201
    msg = await nats_client.jetstream().get_last_msg(names.RUNS_STREAM, names.RUNS_SUBJECT)
    request = msgspec.json.decode(msg.data or b"", type=RunRequest)
    assert request.run_id == run.json()["id"]
    assert (request.limits.max_vus, request.limits.max_duration_s) == (3, 45)
    await api.post(f"/api/runs/{run.json()['id']}/cancel")


async def test_a_project_at_its_concurrent_run_limit_gets_429_and_no_new_run(api):
    await api.patch("/api/project", json={"maxConcurrentRuns": 2})
    test = await create_test(api)
    started = [await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True}) for _ in range(2)]
    assert [r.status_code for r in started] == [201, 201]
    refused = await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "limit is 2" in refused.json()["detail"]
    assert (await api.get("/api/runs")).json()["total"] == 2

    await api.post(f"/api/runs/{started[0].json()['id']}/cancel")  # a finished run frees its slot
    again = await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})
    assert again.status_code == 201
    for run in (started[1], again):
        await api.post(f"/api/runs/{run.json()['id']}/cancel")


async def test_triggering_runs_is_rate_limited_per_project(settings, db):
    limited = dataclasses.replace(settings, trigger_rate_per_minute=2)
    _, key = await new_project_key(db)
    _, other_key = await new_project_key(db)
    async with AsyncTestClient(app=create_app(limited)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        test = await create_test(client)
        path = f"/api/tests/{test['id']}/execute"
        answers = [await client.post(path, json={"queueIfUnavailable": True}) for _ in range(3)]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert 0 < int(answers[2].headers["retry-after"]) <= 60
        assert "2 per minute" in answers[2].json()["detail"]
        assert (await client.get("/api/runs")).json()["total"] == 2
        # another project has its own allowance
        other = {"Authorization": f"Bearer {other_key}"}
        other_test = await client.post("/api/tests", json=_perf_test(), headers=other)
        other_run = await client.post(
            f"/api/tests/{other_test.json()['id']}/execute", json={"queueIfUnavailable": True}, headers=other
        )
        assert other_run.status_code == 201
        await client.post(f"/api/runs/{other_run.json()['id']}/cancel", headers=other)
        for a in answers[:2]:
            await client.post(f"/api/runs/{a.json()['id']}/cancel")


async def test_password_guessing_is_rate_limited(settings):
    limited = dataclasses.replace(settings, login_rate_per_minute=3)
    async with AsyncTestClient(app=create_app(limited)) as client:
        body = {"email": "victim@example.test", "password": "guess-guess"}
        answers = [await client.post("/api/auth/login", json=body) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert int(answers[3].headers["retry-after"]) > 0


async def test_signing_in_often_is_fine_only_failures_count(settings, db):
    from tests.integration.accounts.conftest import PASSWORD, make_user  # noqa: PLC0415

    person = await make_user(db, (await new_project_key(db))[0])
    limited = dataclasses.replace(settings, login_rate_per_minute=2)
    async with AsyncTestClient(app=create_app(limited)) as client:
        good = {"email": person.email, "password": PASSWORD}
        assert [(await client.post("/api/auth/login", json=good)).status_code for _ in range(4)] == [200] * 4
        bad = {**good, "password": "not it at all"}
        answers = [(await client.post("/api/auth/login", json=bad)).status_code for _ in range(3)]
        assert answers == [401, 401, 429]
        assert (await client.post("/api/auth/login", json=good)).status_code == 429  # the email is locked for now
