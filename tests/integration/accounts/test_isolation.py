"""Tenant isolation: every route of the OpenAPI document, called by a second tenant with the first's ids, answers 404
and never shows the first tenant's data; afterwards the first tenant's data is unchanged."""

import json
import re
import uuid
from typing import Any

import pytest

from backend.db.models import Role
from tests.conftest import new_project_key
from tests.integration.accounts.conftest import make_user, sign_in
from tests.support.k6_scripts import VALID_K6

MARK = f"tenant-a-{uuid.uuid4().hex[:8]}"

# Bodies for routes that need one: valid in shape, so a 404 cannot hide behind a 400 for a malformed body.
BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/tests"): {"title": "b's test", "type": "performance", "script": VALID_K6},
    ("post", "/api/tests/validate"): {"type": "performance", "script": VALID_K6},
    ("patch", "/api/tests/{test_id}"): {"title": "taken over"},
    ("post", "/api/tests/{test_id}/execute"): {"queueIfUnavailable": True},
    ("post", "/api/jobs"): {"name": "b's job", "jobType": "k6"},
    ("patch", "/api/jobs/{job_id}"): {"name": "taken over"},
    ("post", "/api/runs"): {"jobId": "{job_id}", "queueIfUnavailable": True},
    ("post", "/api/projects"): {"name": f"b-{uuid.uuid4().hex[:6]}"},
    ("patch", "/api/project"): {"maxVus": 5},
    ("post", "/api/members"): {"email": "nobody-at-all@example.test", "role": "viewer"},
    ("patch", "/api/members/{user_id}"): {"role": "viewer"},
    ("post", "/api/invitations"): {"email": "b-invitee@example.test", "role": "viewer"},
    ("post", "/api/api-keys"): {"name": "b's key", "role": "viewer"},
    ("post", "/api/auth/login"): {"email": "nobody-at-all@example.test", "password": "wrong password"},
    ("post", "/api/auth/signup"): {"email": "b-signup@example.test", "name": "B", "password": "long enough pw"},
    ("post", "/api/auth/accept-invite"): {"token": "sci_not-a-token", "name": "B", "password": "long enough pw"},
}


async def _tenant_a(api, db) -> dict[str, str]:
    """Tenant A's project with one of everything, every name carrying MARK."""
    me = (await api.get("/api/auth/me")).json()
    test = (await api.post("/api/tests", json={"title": MARK, "type": "performance", "script": VALID_K6})).json()
    job = (await api.post("/api/jobs", json={"name": MARK, "jobType": "k6", "testIds": [test["id"]]})).json()
    run = (await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})).json()
    key = (await api.post("/api/api-keys", json={"name": MARK, "role": "viewer"})).json()
    invitation = (await api.post("/api/invitations", json={"email": f"{MARK}@example.test", "role": "viewer"})).json()
    member = await make_user(db, uuid.UUID(me["project"]["id"]), Role.EDITOR)
    return {
        "project_id": me["project"]["id"],
        "test_id": test["id"],
        "job_id": job["id"],
        "run_id": run["id"],
        "key_id": key["id"],
        "invitation_id": invitation["id"],
        "user_id": str(member.user_id),
        "member_email": member.email,
        "name": "index.html",
    }


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), m.group(0)), value)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("credential", ["api-key", "session", "session-naming-a's-project"])
async def test_a_second_tenant_sees_nothing_of_the_first_on_any_route(api, client, browser, db, credential):
    a = await _tenant_a(api, db)
    before = {p: (await api.get(p)).json() for p in [f"/api/tests/{a['test_id']}", f"/api/jobs/{a['job_id']}"]}
    b_project, b_key = await new_project_key(db)
    if credential == "api-key":
        browser.headers["Authorization"] = f"Bearer {b_key}"
    else:
        owner = await make_user(db, b_project, Role.OWNER)
        await sign_in(browser, owner.email)
        if credential == "session-naming-a's-project":
            browser.headers["X-Project-Id"] = a["project_id"]

    secrets = [MARK, a["project_id"], a["member_email"], *(a[k] for k in a if k.endswith("_id"))]
    doc = (await client.get("/schema/openapi.json")).json()
    checked = 0
    for path, operations in doc["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method in [m for m in operations if m in {"get", "post", "put", "patch", "delete"}]:
            if (method, path) == ("post", "/api/auth/logout"):
                continue  # signing B out would only end this test's own session
            url = _fill(path, a)
            needs_body = "requestBody" in operations[method] and operations[method]["requestBody"].get("required")
            if needs_body:
                assert (method, path) in BODIES, f"add a body for {method.upper()} {path} to BODIES"
            body = _fill(BODIES.get((method, path)), a)
            response = await browser.request(method.upper(), url, json=body)
            checked += 1
            where = f"{method.upper()} {path} -> {response.status_code} {response.text[:200]}"
            assert response.status_code < 500, where
            public = path.startswith("/api/auth/") and path != "/api/auth/me"
            if re.search(r"{\w+}", path) or (credential == "session-naming-a's-project" and not public):
                assert response.status_code == 404, where
            sent = url + json.dumps(body)
            for secret in (s for s in secrets if s not in sent):  # echoing the caller's own input leaks nothing
                assert secret not in response.text, f"{where} shows {secret}"
    assert checked >= 30

    after = {p: (await api.get(p)).json() for p in before}
    assert after == before
    run = (await api.get(f"/api/runs/{a['run_id']}")).json()
    assert run["status"] == "queued"
    keys = {k["id"]: k for k in (await api.get("/api/api-keys")).json()}
    assert keys[a["key_id"]]["revokedAt"] is None
    assert a["invitation_id"] in {i["id"] for i in (await api.get("/api/invitations")).json()}
    assert a["user_id"] in {m["userId"] for m in (await api.get("/api/members")).json()}
    assert (await api.get("/api/project")).json()["quotas"]["maxVus"] != 5
    await api.post(f"/api/runs/{a['run_id']}/cancel")
