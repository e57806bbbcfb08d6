"""The tests API: create, list (type filter, search, pages), get, update, delete, validate."""

from tests.support.k6_scripts import NO_OPTIONS_K6, SYNTAX_ERROR_K6, VALID_K6


async def create(api, **overrides):
    body = {"title": "checkout flow", "type": "api", "script": "console.log('hi')", **overrides}
    response = await api.post("/api/tests", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_returns_the_test_in_camel_case(api):
    test = await create(api, title="Login", type="performance", script=VALID_K6, tags=["smoke"], description="d")
    assert test["title"] == "Login"
    assert test["type"] == "performance"
    assert test["script"] == VALID_K6
    assert test["tags"] == ["smoke"]
    assert test["priority"] is None
    assert {"id", "projectId", "createdAt", "updatedAt"} <= test.keys()
    fetched = await api.get(f"/api/tests/{test['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == test


async def test_list_filters_by_type_and_searches_titles(api):
    await create(api, title="Browser login", type="browser")
    await create(api, title="Load the catalogue", type="performance", script=VALID_K6)
    await create(api, title="Soak the catalogue", type="performance", script=VALID_K6)

    perf = (await api.get("/api/tests", params={"type": "performance"})).json()
    assert perf["total"] == 2
    assert {t["type"] for t in perf["items"]} == {"performance"}

    found = (await api.get("/api/tests", params={"search": "SOAK"})).json()
    assert [t["title"] for t in found["items"]] == ["Soak the catalogue"]


async def test_list_pages_newest_first(api):
    for i in range(5):
        await create(api, title=f"test {i}")
    first = (await api.get("/api/tests", params={"limit": 2})).json()
    second = (await api.get("/api/tests", params={"limit": 2, "offset": 2})).json()
    assert first["total"] == 5
    assert (first["limit"], first["offset"]) == (2, 0)
    assert [t["title"] for t in first["items"]] == ["test 4", "test 3"]
    assert [t["title"] for t in second["items"]] == ["test 2", "test 1"]


async def test_update_changes_only_given_fields(api):
    test = await create(api, title="before", priority="high", tags=["a"])
    response = await api.patch(f"/api/tests/{test['id']}", json={"title": "after"})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "after"
    assert updated["priority"] == "high"
    assert updated["tags"] == ["a"]


async def test_update_cannot_change_the_type(api):
    test = await create(api)
    response = await api.patch(f"/api/tests/{test['id']}", json={"type": "performance"})
    assert response.status_code == 400
    assert "type" in response.json()["detail"]
    assert (await api.get(f"/api/tests/{test['id']}")).json()["type"] == "api"


async def test_update_validates_a_performance_script(api):
    test = await create(api, type="performance", script=VALID_K6)
    response = await api.patch(f"/api/tests/{test['id']}", json={"script": "console.log(1)"})
    assert response.status_code == 400
    assert (await api.get(f"/api/tests/{test['id']}")).json()["script"] == VALID_K6


async def test_delete_removes_the_test(api):
    test = await create(api)
    assert (await api.delete(f"/api/tests/{test['id']}")).status_code == 204
    assert (await api.get(f"/api/tests/{test['id']}")).status_code == 404
    assert (await api.delete(f"/api/tests/{test['id']}")).status_code == 404


async def test_invalid_performance_script_is_refused_with_every_problem(api):
    response = await api.post(
        "/api/tests", json={"title": "bad", "type": "performance", "script": "const fs = require('fs');"}
    )
    assert response.status_code == 400
    body = response.json()
    rules = {e["rule"] for e in body["extra"]["errors"]}
    assert {"k6-import", "default-export", "node-module"} <= rules
    assert (await api.get("/api/tests")).json()["total"] == 0


async def test_syntax_error_is_refused_with_k6s_message_and_line(api):
    response = await api.post("/api/tests", json={"title": "bad", "type": "performance", "script": SYNTAX_ERROR_K6})
    assert response.status_code == 400
    errors = response.json()["extra"]["errors"]
    assert errors[0]["line"] == 4
    assert errors[0]["message"]


async def test_missing_options_is_only_a_warning(api):
    test = await create(api, type="performance", script=NO_OPTIONS_K6)
    assert test["type"] == "performance"


async def test_priority_does_not_apply_to_performance_tests(api):
    response = await api.post(
        "/api/tests", json={"title": "p", "type": "performance", "script": VALID_K6, "priority": "high"}
    )
    assert response.status_code == 400
    assert "Priority" in response.json()["detail"]


async def test_validate_reports_errors_and_warnings_without_saving(api):
    ok = (await api.post("/api/tests/validate", json={"script": NO_OPTIONS_K6})).json()
    assert ok["valid"] is True
    assert [w["rule"] for w in ok["warnings"]] == ["options-missing"]

    bad = await api.post("/api/tests/validate", json={"script": SYNTAX_ERROR_K6})
    assert bad.status_code == 200
    assert bad.json()["valid"] is False
    assert bad.json()["errors"][0]["line"] == 4

    node = (await api.post("/api/tests/validate", json={"script": "import fs from 'fs';\n" + VALID_K6})).json()
    assert node["valid"] is False
    assert any('"fs"' in e["message"] for e in node["errors"])
    assert (await api.get("/api/tests")).json()["total"] == 0


async def test_text_with_a_nul_character_is_refused_with_400(api):
    # PostgreSQL cannot store NUL: the fuzzer's NUL titles and searches answered 409 (or 500) from the database.
    for body in [{"title": "a\x00b"}, {"description": "\x00"}, {"tags": ["a\x00"]}, {"script": "let a = 1;\x00"}]:
        response = await api.post("/api/tests", json={"title": "t", "type": "api", "script": "x", **body})
        assert response.status_code == 400, body
    test = await create(api)
    assert (await api.patch(f"/api/tests/{test['id']}", json={"title": "\x00"})).status_code == 400
    assert (await api.get("/api/tests", params={"search": "\x00"})).status_code == 400
    assert (await api.get("/api/tests")).json()["total"] == 1
