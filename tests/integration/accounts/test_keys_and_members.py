"""API keys are shown once, stored hashed and refused at once when revoked; admins manage members and invitations."""

import hashlib
import uuid

from sqlalchemy import select

from backend.db.models import ApiKey, Invitation, Role
from tests.conftest import new_project_key
from tests.integration.accounts.conftest import PASSWORD, make_user, sign_in


async def test_a_key_is_shown_once_stored_hashed_and_refused_at_once_when_revoked(api, browser, db):
    created = await api.post("/api/api-keys", json={"name": "ci pipeline", "role": "editor"})
    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith(body["prefix"])
    listed = (await api.get("/api/api-keys")).json()
    row = next(k for k in listed if k["id"] == body["id"])
    assert "key" not in row
    assert raw not in str(listed)
    assert row["lastUsedAt"] is None
    async with db() as session:
        stored = await session.get(ApiKey, uuid.UUID(body["id"]))
    assert stored is not None
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()

    browser.headers["Authorization"] = f"Bearer {raw}"
    assert (await browser.get("/api/tests")).status_code == 200
    used = next(k for k in (await api.get("/api/api-keys")).json() if k["id"] == body["id"])
    assert used["lastUsedAt"] is not None
    assert (await browser.get("/api/auth/me")).json()["apiKey"] == {
        "id": body["id"],
        "name": "ci pipeline",
        "prefix": body["prefix"],
        "role": "editor",
    }

    assert (await api.delete(f"/api/api-keys/{body['id']}")).status_code == 204
    refused = await browser.get("/api/tests")  # the very next request
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    revoked = next(k for k in (await api.get("/api/api-keys")).json() if k["id"] == body["id"])
    assert revoked["revokedAt"] is not None


async def test_another_projects_key_cannot_be_seen_or_revoked(api, db):
    _, other_key = await new_project_key(db)
    async with db() as session:
        other = await session.scalar(
            select(ApiKey).where(ApiKey.key_hash == hashlib.sha256(other_key.encode()).hexdigest())
        )
    assert other is not None
    assert (await api.delete(f"/api/api-keys/{other.id}")).status_code == 404
    assert str(other.id) not in (await api.get("/api/api-keys")).text
    async with db() as session:
        assert (await session.get_one(ApiKey, other.id)).revoked_at is None


async def test_an_admin_adds_re_roles_and_removes_members_and_removal_takes_effect_at_once(api, browser, db):
    me = (await api.get("/api/auth/me")).json()
    project_id = uuid.UUID(me["project"]["id"])
    person = await make_user(db)  # an account, not yet in any project
    refused = await browser.post("/api/auth/login", json={"email": person.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "not a member" in refused.json()["detail"]

    added = await api.post("/api/members", json={"email": person.email.upper(), "role": "viewer"})
    assert added.status_code == 201, added.text
    await sign_in(browser, person.email)
    assert added.json()["role"] == "viewer"
    assert (await api.post("/api/members", json={"email": person.email, "role": "viewer"})).status_code == 409
    assert (await browser.get("/api/tests")).status_code == 200
    assert (await browser.post("/api/tests", json={"title": "t", "type": "api", "script": "x()"})).status_code == 403

    changed = await api.patch(f"/api/members/{person.user_id}", json={"role": "editor"})
    assert changed.json()["role"] == "editor"
    assert (await browser.post("/api/tests", json={"title": "t", "type": "api", "script": "x()"})).status_code == 201
    assert (await api.patch(f"/api/members/{person.user_id}", json={"role": "owner"})).status_code == 403

    assert (await api.delete(f"/api/members/{person.user_id}")).status_code == 204
    assert (await browser.get("/api/tests")).status_code == 403
    browser.headers["X-Project-Id"] = str(project_id)
    assert (await browser.get("/api/tests")).status_code == 404
    unknown = await api.post("/api/members", json={"email": "nobody@example.test", "role": "viewer"})
    assert unknown.status_code == 404
    assert "invitation" in unknown.json()["detail"]


async def test_owners_are_protected_and_a_project_keeps_its_last_owner(db, browser, api):
    project_id, _ = await new_project_key(db)
    owner = await make_user(db, project_id, Role.OWNER)
    admin = await make_user(db, project_id, Role.ADMIN)
    await sign_in(browser, admin.email)
    assert (await browser.patch(f"/api/members/{owner.user_id}", json={"role": "viewer"})).status_code == 403
    assert (await browser.delete(f"/api/members/{owner.user_id}")).status_code == 403
    browser.cookies.clear()
    await sign_in(browser, owner.email)
    last = await browser.patch(f"/api/members/{owner.user_id}", json={"role": "admin"})
    assert last.status_code == 409
    assert (await browser.delete(f"/api/members/{owner.user_id}")).status_code == 409
    promoted = await browser.patch(f"/api/members/{admin.user_id}", json={"role": "owner"})
    assert promoted.json()["role"] == "owner"
    assert (await browser.patch(f"/api/members/{owner.user_id}", json={"role": "editor"})).json()["role"] == "editor"


async def test_an_invitation_is_shown_once_and_accepting_it_creates_the_member(api, browser, db):
    invited = await api.post("/api/invitations", json={"email": "new.person@example.test", "role": "editor"})
    assert invited.status_code == 201
    token = invited.json()["token"]
    pending = (await api.get("/api/invitations")).json()
    assert [i["email"] for i in pending] == ["new.person@example.test"]
    assert token not in str(pending)
    async with db() as session:
        row = await session.get_one(Invitation, uuid.UUID(invited.json()["id"]))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()

    accepted = await browser.post("/api/auth/accept-invite", json={"token": token, "name": "New", "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["role"] == "editor"
    assert accepted.json()["user"]["email"] == "new.person@example.test"
    members = (await api.get("/api/members")).json()
    assert {"new.person@example.test": "editor"}.items() <= {m["email"]: m["role"] for m in members}.items()
    assert (await api.get("/api/invitations")).json() == []
    again = await browser.post("/api/auth/accept-invite", json={"token": token, "name": "Eve", "password": PASSWORD})
    assert again.status_code == 404
    assert (
        await browser.post("/api/auth/accept-invite", json={"token": "sci_guess", "name": "E", "password": PASSWORD})
    ).status_code == 404


async def test_an_owner_creates_a_project_and_owns_it(db, browser):
    project_id, _ = await new_project_key(db)
    owner = await make_user(db, project_id, Role.OWNER)
    info = await sign_in(browser, owner.email)
    created = await browser.post("/api/projects", json={"name": f"second-{uuid.uuid4().hex[:6]}"})
    assert created.status_code == 201, created.text
    assert created.json()["role"] == "owner"
    assert created.json()["organizationId"] == info["project"]["organizationId"]
    assert (await browser.post("/api/projects", json={"name": created.json()["name"]})).status_code == 409
    projects = (await browser.get("/api/projects")).json()
    assert {p["id"] for p in projects} == {str(project_id), created.json()["id"]}


async def test_names_and_emails_with_a_nul_character_are_refused_with_400(api):
    # PostgreSQL cannot store or compare text with NUL: the fuzzer's NUL names and emails answered 500.
    assert (await api.post("/api/api-keys", json={"name": "ci\x00", "role": "viewer"})).status_code == 400
    assert (await api.post("/api/members", json={"email": "\x00@example.test", "role": "viewer"})).status_code == 400
    assert (await api.post("/api/invitations", json={"email": "a\x00@b.test", "role": "viewer"})).status_code == 400
    assert (await api.patch("/api/project", json={"name": "p\x00"})).status_code == 400
    assert [key["name"] for key in (await api.get("/api/api-keys")).json()] == ["admin"]
