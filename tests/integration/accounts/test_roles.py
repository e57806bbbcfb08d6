"""One permission matrix: viewers read, editors create and run, admins manage people and keys, owners everything."""

import pytest
from litestar import Litestar

from backend.accounts.permissions import MINIMUM_ROLE, Permission, has_permission
from backend.core.auth import PERMISSION_OPT
from backend.db.models import Role
from tests.integration.accounts.conftest import make_user, sign_in
from tests.support.api import create_job, create_test
from tests.support.k6_scripts import VALID_K6


def test_every_api_route_declares_a_permission_or_is_public(app: Litestar):
    for route in app.routes:
        if not route.path.startswith("/api"):
            continue
        for handler in route.route_handlers:  # type: ignore[union-attr]
            if set(handler.http_methods) == {"OPTIONS"}:
                continue  # Litestar's automatic CORS preflight answer
            opt = handler.opt
            assert opt.get("exclude_from_auth") or isinstance(opt.get(PERMISSION_OPT), Permission), route.path


def test_docs_show_the_same_matrix_as_the_code():
    from pathlib import Path  # noqa: PLC0415

    text = Path("docs/security.md").read_text()
    for permission, role in MINIMUM_ROLE.items():
        assert f"`{permission.value}`" in text, permission
        row = next(line for line in text.splitlines() if f"`{permission.value}`" in line and line.startswith("|"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        allowed = {r.value for r in Role if has_permission(r, permission)}
        # columns: permission | what | viewer | editor | admin | owner
        shown = {
            name for name, cell in zip(["viewer", "editor", "admin", "owner"], cells[2:6], strict=True) if cell == "yes"
        }
        assert shown == allowed, (permission, role, row)


@pytest.fixture
async def project(api, db):
    """A project with a test and a job in it, plus its admin client (``api``)."""
    test = await create_test(api, title="shared")
    job = await create_job(api, testIds=[test["id"]])
    me = (await api.get("/api/auth/me")).json()
    return {"id": me["project"]["id"], "test": test, "job": job}


async def _client_as(role, project, db, browser, *, by_key: bool, api=None):
    if by_key:
        created = await api.post("/api/api-keys", json={"name": f"{role.value} key", "role": role.value})
        assert created.status_code == 201, created.text
        browser.headers["Authorization"] = f"Bearer {created.json()['key']}"
    else:
        import uuid  # noqa: PLC0415

        person = await make_user(db, uuid.UUID(project["id"]), role)
        await sign_in(browser, person.email)
    return browser


@pytest.mark.parametrize("by_key", [False, True], ids=["session", "api-key"])
async def test_a_viewer_reads_but_cannot_create_change_or_run(api, db, browser, project, by_key):
    viewer = await _client_as(Role.VIEWER, project, db, browser, by_key=by_key, api=api)
    test_id, job_id = project["test"]["id"], project["job"]["id"]
    assert (await viewer.get(f"/api/tests/{test_id}")).status_code == 200
    assert (await viewer.get("/api/runs")).status_code == 200
    assert (await viewer.get("/api/members")).status_code == 200

    refused = [
        await viewer.post("/api/tests", json={"title": "no", "type": "performance", "script": VALID_K6}),
        await viewer.patch(f"/api/tests/{test_id}", json={"title": "changed"}),
        await viewer.delete(f"/api/tests/{test_id}"),
        await viewer.post("/api/tests/validate", json={"type": "performance", "script": VALID_K6}),
        await viewer.post("/api/jobs", json={"name": "no", "jobType": "k6", "testIds": [test_id]}),
        await viewer.post(f"/api/tests/{test_id}/execute", json={"queueIfUnavailable": True}),
        await viewer.post("/api/runs", json={"jobId": job_id, "queueIfUnavailable": True}),
        await viewer.get("/api/api-keys"),
        await viewer.post("/api/api-keys", json={"name": "mine", "role": "viewer"}),
        await viewer.patch("/api/project", json={"maxVus": 1}),
    ]
    for response in refused:
        assert response.status_code == 403, (response.request.method, response.request.url, response.text)
        assert "viewer" in response.json()["detail"]
    assert (await api.get(f"/api/tests/{test_id}")).json()["title"] == "shared"
    assert (await api.get("/api/runs")).json()["total"] == 0
    assert (await api.get("/api/tests")).json()["total"] == 1


async def test_an_editor_creates_and_runs_but_cannot_manage_keys_members_or_quotas(api, db, browser, project):
    editor = await _client_as(Role.EDITOR, project, db, browser, by_key=False)
    created = await editor.post("/api/tests", json={"title": "mine", "type": "performance", "script": VALID_K6})
    assert created.status_code == 201
    run = await editor.post(f"/api/tests/{created.json()['id']}/execute", json={"queueIfUnavailable": True})
    assert run.status_code == 201
    assert (await editor.post(f"/api/runs/{run.json()['id']}/cancel")).status_code == 200
    for response in [
        await editor.get("/api/api-keys"),
        await editor.post("/api/members", json={"email": "x@example.test", "role": "viewer"}),
        await editor.post("/api/invitations", json={"email": "x@example.test", "role": "viewer"}),
        await editor.patch("/api/project", json={"maxVus": 1}),
        await editor.post("/api/projects", json={"name": "another"}),
    ]:
        assert response.status_code == 403, response.request.url


async def test_an_admin_manages_keys_and_members_but_cannot_create_projects_or_hand_out_owner(api, db, project):
    assert (await api.get("/api/api-keys")).status_code == 200
    assert (await api.post("/api/api-keys", json={"name": "x", "role": "owner"})).status_code == 403
    assert (await api.post("/api/invitations", json={"email": "o@example.test", "role": "owner"})).status_code == 403
    assert (await api.post("/api/projects", json={"name": "another"})).status_code == 403
    assert (await api.patch("/api/project", json={"maxVus": 5})).json()["quotas"]["maxVus"] == 5
