async def test_ready_when_database_and_nats_answer(client):
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok", "database": "ok", "nats": "ok"}


async def test_create_and_list_tests(api):
    created = await api.post("/api/tests", json={"title": "t1", "type": "api", "script": "console.log(1)"})
    assert created.status_code == 201, created.text
    listed = await api.get("/api/tests")
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()["items"]] == ["t1"]
