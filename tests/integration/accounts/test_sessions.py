"""People sign up and in with a password, get an HttpOnly session cookie, and cookie writes need the CSRF token."""

import pytest
from sqlalchemy import func, select

from backend.db.models import Membership, Role, User, UserSession
from tests.conftest import new_project_key
from tests.integration.accounts.conftest import PASSWORD, make_user, sign_in
from tests.support.api import create_test
from tests.support.k6_scripts import VALID_K6

NEW_TEST = {"title": "from the browser", "type": "performance", "script": VALID_K6}


async def test_the_first_user_of_a_fresh_install_owns_the_default_project_and_sign_up_then_closes(fresh):
    status = (await fresh.get("/api/auth/status")).json()
    assert status == {"hasUsers": False, "signupOpen": True}

    first = await fresh.post(
        "/api/auth/signup", json={"email": "Ada@Example.test", "name": "Ada", "password": PASSWORD}
    )
    assert first.status_code == 201, first.text
    info = first.json()
    assert info["user"]["email"] == "ada@example.test"
    assert info["role"] == "owner"
    assert info["project"]["name"] == "Default Project"
    assert "owners:manage" in info["permissions"]
    cookies = first.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith("supercheck_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie or "SameSite=Lax" in session_cookie
    csrf_cookie = next(c for c in cookies if c.startswith("supercheck_csrf="))
    assert "HttpOnly" not in csrf_cookie  # the SPA must read it to send X-CSRF-Token

    assert (await fresh.get("/api/auth/status")).json() == {"hasUsers": True, "signupOpen": False}
    fresh.cookies.clear()
    second = await fresh.post(
        "/api/auth/signup", json={"email": "eve@example.test", "name": "Eve", "password": PASSWORD}
    )
    assert second.status_code == 403
    assert "closed" in second.json()["detail"]
    login = await fresh.post("/api/auth/login", json={"email": "eve@example.test", "password": PASSWORD})
    assert login.status_code == 401  # the refused sign-up created nobody


@pytest.mark.settings(allow_signup=True)
async def test_with_open_sign_up_a_later_user_gets_an_organization_of_their_own(fresh):
    owner = await fresh.post("/api/auth/signup", json={"email": "a@example.test", "name": "A", "password": PASSWORD})
    fresh.headers["X-CSRF-Token"] = owner.json()["csrfToken"]
    secret = await fresh.post("/api/tests", json={**NEW_TEST, "title": "A's secret"})
    assert secret.status_code == 201
    fresh.cookies.clear()
    later = await fresh.post("/api/auth/signup", json={"email": "b@example.test", "name": "B", "password": PASSWORD})
    assert later.status_code == 201
    fresh.headers["X-CSRF-Token"] = later.json()["csrfToken"]
    assert later.json()["role"] == "owner"
    assert later.json()["project"]["organizationId"] != owner.json()["project"]["organizationId"]
    assert (await fresh.get(f"/api/tests/{secret.json()['id']}")).status_code == 404
    assert (await fresh.get("/api/tests")).json()["total"] == 0


async def test_wrong_password_and_unknown_email_get_the_same_401(browser, db):
    person = await make_user(db)
    wrong = await browser.post("/api/auth/login", json={"email": person.email, "password": "not the password"})
    unknown = await browser.post("/api/auth/login", json={"email": "nobody@example.test", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert "supercheck_session" not in browser.cookies


async def test_a_password_is_stored_as_an_argon2id_hash(db):
    person = await make_user(db)
    async with db() as session:
        user = await session.get(User, person.user_id)
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_cookie_writes_need_the_csrf_token_and_bearer_writes_do_not(browser, db):
    project_id, key = await new_project_key(db)
    person = await make_user(db, project_id, Role.EDITOR)
    info = await sign_in(browser, person.email)
    csrf = browser.headers.pop("X-CSRF-Token")
    assert csrf == info["csrfToken"] == browser.cookies["supercheck_csrf"]

    forged = await browser.post("/api/tests", json=NEW_TEST)  # what a cross-site form post would look like
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    wrong = await browser.post("/api/tests", json=NEW_TEST, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    assert (await browser.get("/api/tests")).json()["total"] == 0  # nothing was created

    ok = await browser.post("/api/tests", json=NEW_TEST, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    browser.cookies.clear()
    by_key = await browser.post("/api/tests", json=NEW_TEST, headers={"Authorization": f"Bearer {key}"})
    assert by_key.status_code == 201


async def test_sign_out_ends_the_session_at_once(browser, db):
    project_id, _ = await new_project_key(db)
    person = await make_user(db, project_id, Role.VIEWER)
    await sign_in(browser, person.email)
    token = browser.cookies["supercheck_session"]
    assert (await browser.get("/api/auth/me")).json()["user"]["email"] == person.email

    assert (await browser.post("/api/auth/logout", headers={"X-CSRF-Token": "wrong"})).status_code == 403
    assert (await browser.post("/api/auth/logout")).status_code == 204
    browser.cookies.set("supercheck_session", token)  # a stolen copy of the cookie is dead too
    me = await browser.get("/api/auth/me")
    assert me.status_code == 401
    async with db() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(UserSession).where(UserSession.user_id == person.user_id)
            )
            == 0
        )


async def test_x_project_id_switches_between_a_users_projects_and_refuses_others(browser, db):
    first_id, first_key = await new_project_key(db)
    second_id, _ = await new_project_key(db)
    foreign_id, _ = await new_project_key(db)
    person = await make_user(db, first_id, Role.VIEWER)
    async with db() as session, session.begin():
        from backend.accounts.sessions import add_membership  # noqa: PLC0415
        from backend.db.models import Project  # noqa: PLC0415

        user = await session.get_one(User, person.user_id)
        await add_membership(session, user, await session.get_one(Project, second_id), Role.ADMIN)
    await create_test(_KeyClient(browser, first_key), title="only in the first")

    info = await sign_in(browser, person.email)
    assert {p["id"] for p in info["projects"]} == {str(first_id), str(second_id)}
    assert info["project"]["id"] == str(first_id)  # the first membership without a header
    assert (await browser.get("/api/tests")).json()["total"] == 1

    browser.headers["X-Project-Id"] = str(second_id)
    me = (await browser.get("/api/auth/me")).json()
    assert (me["project"]["id"], me["role"]) == (str(second_id), "admin")
    assert (await browser.get("/api/tests")).json()["total"] == 0

    browser.headers["X-Project-Id"] = str(foreign_id)
    assert (await browser.get("/api/tests")).status_code == 404
    browser.headers["X-Project-Id"] = "not-a-uuid"
    assert (await browser.get("/api/tests")).status_code == 404
    async with db() as session:
        count = await session.scalar(
            select(func.count()).select_from(Membership).where(Membership.user_id == person.user_id)
        )
    assert count == 2


class _KeyClient:
    """The same client, with an API key on every request (for setting up data)."""

    def __init__(self, client, key):
        self._client, self._headers = client, {"Authorization": f"Bearer {key}"}

    async def post(self, path, **kwargs):
        return await self._client.post(path, headers=self._headers, **kwargs)


async def test_an_operator_creates_a_user_from_the_command_line(browser, database_url):
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415
    import uuid  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    email = f"ops-{uuid.uuid4().hex[:8]}@example.test"
    project = f"cli-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "SUPERCHECK_DATABASE_URL": database_url, "SUPERCHECK_NEW_USER_PASSWORD": PASSWORD}
    cli = str(Path(sys.executable).with_name("supercheck"))
    args = [cli, "create-user", "--email", email, "--role", "admin", "--organization", "CLI Org", "--project", project]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 1
    assert "already exists" in again.stderr
    info = await sign_in(browser, email)
    assert (info["role"], info["project"]["name"], info["project"]["organizationName"]) == ("admin", project, "CLI Org")


async def test_a_nul_character_in_an_email_or_name_is_refused_with_400(browser):
    # PostgreSQL cannot store or compare text with NUL: the fuzzer's NUL email at sign-in answered 500.
    login = await browser.post("/api/auth/login", json={"email": "a\x00@example.test", "password": PASSWORD})
    assert login.status_code == 400
    signup = {"email": "new@example.test", "name": "N\x00", "password": PASSWORD}
    assert (await browser.post("/api/auth/signup", json=signup)).status_code == 400
    invite = {"token": "sci_x", "name": "N\x00", "password": PASSWORD}
    assert (await browser.post("/api/auth/accept-invite", json=invite)).status_code == 400
