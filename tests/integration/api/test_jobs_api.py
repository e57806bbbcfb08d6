"""The jobs API, and job type vs test type compatibility on create and on update (seed, Backend API 2)."""

from tests.support.api import create_job, create_test


async def test_k6_job_holds_performance_tests_in_order(api):
    first = await create_test(api, title="first")
    second = await create_test(api, title="second")
    job = await create_job(api, name="nightly load", testIds=[second["id"], first["id"]])
    assert job["jobType"] == "k6"
    assert job["location"] == "us-east"  # the first location of the catalogue
    assert job["testIds"] == [second["id"], first["id"]]
    assert [t["title"] for t in job["tests"]] == ["second", "first"]
    fetched = (await api.get(f"/api/jobs/{job['id']}")).json()
    assert fetched == job


async def test_job_type_defaults_to_playwright_without_location(api):
    browser = await create_test(api, type="browser", script="await page.goto('/')")
    response = await api.post("/api/jobs", json={"name": "ui", "testIds": [browser["id"]]})
    assert response.status_code == 201, response.text
    assert response.json()["jobType"] == "playwright"
    assert response.json()["location"] is None


async def test_k6_job_refuses_other_test_types_and_lists_them(api):
    perf = await create_test(api)
    browser = await create_test(api, title="ui", type="browser", script="x()")
    response = await api.post(
        "/api/jobs", json={"name": "mixed", "jobType": "k6", "testIds": [perf["id"], browser["id"]]}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == 'Job type "k6" cannot include browser tests'
    assert body["extra"]["incompatibleTests"] == [{"id": browser["id"], "title": "ui", "type": "browser"}]
    assert (await api.get("/api/jobs")).json()["total"] == 0


async def test_playwright_job_refuses_performance_tests(api):
    perf = await create_test(api)
    response = await api.post("/api/jobs", json={"name": "pw", "jobType": "playwright", "testIds": [perf["id"]]})
    assert response.status_code == 400
    assert response.json()["extra"]["incompatibleTests"][0]["id"] == perf["id"]


async def test_update_checks_compatibility_of_new_tests(api):
    job = await create_job(api, testIds=[(await create_test(api))["id"]])
    api_test = await create_test(api, type="api", script="fetch()")
    response = await api.patch(f"/api/jobs/{job['id']}", json={"testIds": [api_test["id"]]})
    assert response.status_code == 400
    assert response.json()["extra"]["incompatibleTests"][0]["type"] == "api"
    assert (await api.get(f"/api/jobs/{job['id']}")).json()["testIds"] == job["testIds"]


async def test_update_checks_compatibility_when_only_the_type_changes(api):
    job = await create_job(api, testIds=[(await create_test(api))["id"]])
    response = await api.patch(f"/api/jobs/{job['id']}", json={"jobType": "playwright"})
    assert response.status_code == 400
    assert (await api.get(f"/api/jobs/{job['id']}")).json()["jobType"] == "k6"


async def test_update_changes_name_location_and_tests(api):
    a, b = await create_test(api, title="a"), await create_test(api, title="b")
    job = await create_job(api, testIds=[a["id"]])
    response = await api.patch(
        f"/api/jobs/{job['id']}", json={"name": "renamed", "location": "eu-central", "testIds": [b["id"], a["id"]]}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["location"]) == ("renamed", "eu-central")
    assert [t["title"] for t in updated["tests"]] == ["b", "a"]


async def test_unknown_location_and_unknown_tests_are_refused(api):
    response = await api.post("/api/jobs", json={"name": "j", "jobType": "k6", "location": "mars-north"})
    assert response.status_code == 400
    assert "mars-north" in response.json()["detail"]
    missing = "0190b5a0-0000-7000-8000-000000000000"
    response = await api.post("/api/jobs", json={"name": "j", "jobType": "k6", "testIds": [missing]})
    assert response.status_code == 400
    assert response.json()["extra"]["unknownTestIds"] == [missing]


async def test_list_filters_and_delete(api):
    await create_job(api, name="load")
    await create_job(api, name="ui", jobType="playwright")
    listed = (await api.get("/api/jobs", params={"jobType": "k6"})).json()
    assert [j["name"] for j in listed["items"]] == ["load"]
    assert (await api.get("/api/jobs", params={"search": "UI"})).json()["items"][0]["name"] == "ui"
    job_id = listed["items"][0]["id"]
    assert (await api.delete(f"/api/jobs/{job_id}")).status_code == 204
    assert (await api.get(f"/api/jobs/{job_id}")).status_code == 404


async def test_deleting_a_test_removes_it_from_its_jobs(api):
    a, b = await create_test(api, title="a"), await create_test(api, title="b")
    job = await create_job(api, testIds=[a["id"], b["id"]])
    await api.delete(f"/api/tests/{a['id']}")
    assert (await api.get(f"/api/jobs/{job['id']}")).json()["testIds"] == [b["id"]]


async def test_text_with_a_nul_character_is_refused_with_400(api):
    # PostgreSQL cannot store NUL: the fuzzer's NUL names and searches answered 409 from the database.
    assert (await api.post("/api/jobs", json={"name": "a\x00b"})).status_code == 400
    assert (await api.post("/api/jobs", json={"name": "j", "description": "\x00"})).status_code == 400
    job = await create_job(api)
    assert (await api.patch(f"/api/jobs/{job['id']}", json={"name": "\x00"})).status_code == 400
    assert (await api.get("/api/jobs", params={"search": "\x00"})).status_code == 400
    assert (await api.get("/api/jobs")).json()["total"] == 1
