"""Small helpers the API tests share: create a test or a job and check the answer."""

from typing import Any

from tests.support.k6_scripts import VALID_K6


async def create_test(api: Any, **fields: Any) -> dict[str, Any]:
    body = {"title": "a test", "type": "performance", "script": VALID_K6, **fields}
    response = await api.post("/api/tests", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def create_job(api: Any, **fields: Any) -> dict[str, Any]:
    body = {"name": "a job", "jobType": "k6", **fields}
    response = await api.post("/api/jobs", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
