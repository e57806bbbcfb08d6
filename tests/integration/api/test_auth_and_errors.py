"""Every /api route needs a key, sees only its project, and answers bad input with a clear 4xx."""

import dataclasses

import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from tests.conftest import new_project_key
from tests.support.api import create_job, create_test
from tests.support.k6_scripts import VALID_K6

API_ROUTES = [
    ("GET", "/api/tests"),
    ("POST", "/api/tests"),
    ("POST", "/api/tests/validate"),
    ("GET", "/api/jobs"),
    ("GET", "/api/runs"),
    ("POST", "/api/runs"),
    ("GET", "/api/locations"),
]


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
async def test_no_key_or_a_wrong_key_is_401(client, method, path):
    missing = await client.request(method, path, json={})
    assert missing.status_code == 401
    assert missing.json()["status"] == 401
    assert "Authorization" in missing.json()["detail"]
    wrong = await client.request(method, path, json={}, headers={"Authorization": "Bearer sck_not-a-real-key"})
    assert wrong.status_code == 401
    basic = await client.request(method, path, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


async def test_health_ready_and_openapi_need_no_key(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/ready")).status_code == 200
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ["/api/tests", "/api/tests/{test_id}/execute", "/api/jobs", "/api/runs", "/api/runs/{run_id}"]:
        assert path in paths
    assert schema.json()["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"


async def test_another_projects_ids_answer_404_and_never_its_data(api, client, db):
    test = await create_test(api, title="secret plan")
    job = await create_job(api, testIds=[test["id"]])
    run = (await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})).json()

    _, other_key = await new_project_key(db)
    other = {"Authorization": f"Bearer {other_key}"}
    for path in [f"/api/tests/{test['id']}", f"/api/jobs/{job['id']}", f"/api/runs/{run['id']}"]:
        response = await client.get(path, headers=other)
        assert response.status_code == 404, path
        assert "secret plan" not in response.text
    assert (await client.patch(f"/api/tests/{test['id']}", json={"title": "x"}, headers=other)).status_code == 404
    assert (await client.delete(f"/api/jobs/{job['id']}", headers=other)).status_code == 404
    assert (await client.post(f"/api/tests/{test['id']}/execute", json={}, headers=other)).status_code == 404
    assert (await client.post("/api/runs", json={"jobId": job["id"]}, headers=other)).status_code == 404
    other_job = await client.post(
        "/api/jobs", json={"name": "j", "jobType": "k6", "testIds": [test["id"]]}, headers=other
    )
    assert other_job.status_code == 400
    for path in ["/api/tests", "/api/jobs", "/api/runs"]:
        assert (await client.get(path, headers=other)).json()["total"] == 0
    # and the owner still sees everything, unchanged
    assert (await api.get(f"/api/tests/{test['id']}")).json()["title"] == "secret plan"


async def test_bootstrap_key_is_the_default_projects_admin_key_and_start_up_is_idempotent(settings):
    key = "sck_bootstrap-test-key-0123456789"
    bootstrapped = dataclasses.replace(
        settings, bootstrap_api_key=key, default_org_name="Boot Org", default_project_name="Boot Project"
    )
    for _ in range(2):  # a second start-up finds everything in place
        async with AsyncTestClient(app=create_app(bootstrapped)) as client:
            client.headers["Authorization"] = f"Bearer {key}"
            created = await client.post("/api/tests", json={"title": "boot", "type": "api", "script": "x()"})
            assert created.status_code == 201, created.text
    async with AsyncTestClient(app=create_app(bootstrapped)) as client:
        listed = await client.get("/api/tests", headers={"Authorization": f"Bearer {key}"})
        assert [t["title"] for t in listed.json()["items"]] == ["boot", "boot"]


async def test_locations_are_the_default_catalogue(api):
    locations = (await api.get("/api/locations")).json()
    assert [loc["code"] for loc in locations] == ["us-east", "eu-central", "asia-pacific"]
    assert locations[1]["label"] == "EU Central (Frankfurt)"
    assert locations[2]["continent"] == "Asia"


BAD_BODIES = [
    pytest.param(b"{not json", "malformed JSON", id="malformed-json"),
    pytest.param(b'{"title": 5, "type": "api", "script": "x"}', "wrong type", id="wrong-type"),
    pytest.param(b'{"title": "t", "type": "load", "script": "x"}', "unknown enum", id="unknown-enum"),
    pytest.param(b'{"title": "t", "type": "api"}', "missing field", id="missing-field"),
    pytest.param(b'{"title": "", "type": "api", "script": "x"}', "empty title", id="empty-title"),
    pytest.param(b'{"title": "t", "type": "api", "script": "x", "colour": 1}', "unknown field", id="unknown-field"),
    pytest.param(b"[1, 2]", "not an object", id="array"),
    pytest.param(b'{"title": "t", "type": "api", "script": "   "}', "empty script", id="blank-script"),
    # Both answered 500 before: msgspec raises UnicodeDecodeError and RecursionError, not a DecodeError.
    pytest.param(b'{"title": "\xff\xfe", "type": "api", "script": "x"}', "not UTF-8", id="not-utf8"),
    pytest.param(b'{"title": "t", "tags": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "too deep", id="too-deep"),
]


@pytest.mark.parametrize(("body", "why"), BAD_BODIES)
async def test_bad_bodies_are_400_in_one_shape_and_change_nothing(api, body, why):
    response = await api.post("/api/tests", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, why
    error = response.json()
    assert set(error) == {"status", "detail", "extra"}
    assert error["status"] == 400
    assert error["detail"]
    assert (await api.get("/api/tests")).json()["total"] == 0


async def test_bad_query_parameters_are_400(api):
    assert (await api.get("/api/tests", params={"limit": 1000})).status_code == 400
    assert (await api.get("/api/tests", params={"offset": -1})).status_code == 400
    assert (await api.get("/api/tests", params={"type": "nope"})).status_code == 400
    assert (await api.get("/api/runs", params={"status": "completed"})).status_code == 400
    assert (await api.get("/api/runs", params={"jobId": "not-a-uuid"})).status_code == 400
    assert (await api.get("/api/tests/not-a-uuid")).status_code == 404


async def test_oversize_body_and_script_are_refused(settings, db):
    small = dataclasses.replace(settings, max_body_bytes=4096, max_script_bytes=1024)
    async with AsyncTestClient(app=create_app(small)) as client:
        _, key = await new_project_key(db)
        client.headers["Authorization"] = f"Bearer {key}"
        huge = await client.post("/api/tests", json={"title": "t", "type": "api", "script": "x" * 10_000})
        assert huge.status_code == 413
        assert huge.json()["status"] == 413
        big_script = VALID_K6 + "//" + "x" * 1500
        too_long = await client.post("/api/tests", json={"title": "t", "type": "performance", "script": big_script})
        assert too_long.status_code == 413
        assert "1024" in too_long.json()["detail"]
        validated = (await client.post("/api/tests/validate", json={"script": big_script})).json()
        assert validated["valid"] is False
        assert validated["errors"][0]["rule"] == "too-large"
        assert (await client.get("/api/tests")).json()["total"] == 0


async def test_request_id_is_echoed_or_generated(client):
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32


async def test_prometheus_metrics_count_requests_by_route(api):
    await api.get("/api/tests")
    metrics = await api.get("/metrics")
    assert metrics.status_code == 200
    assert "supercheck_requests_total" in metrics.text
    assert 'path="/api/tests"' in metrics.text


async def test_openapi_documents_every_error_in_the_shape_the_api_sends(client):
    # The fuzzer found 400s documented in Litestar's shape ({status_code, ...}), undocumented 401/403/404/409s,
    # a 204 documented with a JSON body, and /metrics documented as JSON.
    doc = (await client.get("/schema/openapi.json")).json()
    assert set(doc["components"]["schemas"]["ErrorBody"]["properties"]) == {"status", "detail", "extra"}
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    public = {"/api/auth/status", "/api/auth/signup", "/api/auth/login", "/api/auth/accept-invite", "/api/auth/logout"}
    api_operations = [(p, op) for p, item in doc["paths"].items() if p.startswith("/api/") for op in item.values()]
    assert len(api_operations) > 30
    for path, operation in api_operations:
        responses = operation["responses"]
        errors = {status for status in responses if int(status) >= 400}
        assert "400" in errors, path
        assert path in public or {"401", "403", "404"} <= errors, path
        for status in errors:
            assert responses[status]["content"]["application/json"]["schema"] == error_body, (path, status)
    assert "/metrics" not in doc["paths"]
    assert "content" not in doc["paths"]["/api/auth/logout"]["post"]["responses"]["204"]
    assert {"202", "409", "503"} <= doc["paths"]["/api/runs/{run_id}/cancel"]["post"]["responses"].keys()
    assert {"409", "429", "503"} <= doc["paths"]["/api/tests/{test_id}/execute"]["post"]["responses"].keys()
