"""A test's report, summary and console log, served from the artifact store to its project only."""

import uuid

import msgspec

from schema.artifacts import CONSOLE_LOG, REPORT, SUMMARY, StoreSettings, artifact_key, open_store
from schema.enums import RunStatus
from schema.messages import ArtifactKeys
from tests.integration.runs.helpers import publish_status, queued_run
from tests.support.wait import eventually

REPORT_HTML = b"<!doctype html><title>k6 report</title><script>document.title = 'ran'</script>"
SUMMARY_JSON = msgspec.json.encode({"metrics": {"http_reqs": {"count": 3}}})
CONSOLE_TEXT = b"running (1s)\ndefault [ 100% ]\n"


async def finished_with_artifacts(http, nats_client, *, stored: bool = True) -> tuple[dict, str]:
    """A run whose runner uploaded the three files (to the NATS object store) and reported their keys."""
    run = await queued_run(http)
    run_id, test_id = run["id"], run["testId"]
    ids = ("org", "project", run_id, test_id)
    keys = {name: artifact_key(*ids, name) for name in (REPORT, SUMMARY, CONSOLE_LOG)}
    if stored:
        store = open_store(StoreSettings(), nats_client=nats_client)
        await store.ensure()
        await store.put_bytes(keys[REPORT], REPORT_HTML, "text/html; charset=utf-8")
        await store.put_bytes(keys[SUMMARY], SUMMARY_JSON, "application/json")
        await store.put_bytes(keys[CONSOLE_LOG], CONSOLE_TEXT, "text/plain; charset=utf-8")
    artifacts = ArtifactKeys(report=keys[REPORT], summary=keys[SUMMARY], console=keys[CONSOLE_LOG])
    await publish_status(nats_client, run_id, RunStatus.PASSED, test_id=test_id, exit_code=0, artifacts=artifacts)
    await publish_status(nats_client, run_id, RunStatus.PASSED)

    async def finished() -> dict | None:
        got = (await http.get(f"/api/runs/{run_id}")).json()
        return got if got["status"] == "passed" else None

    return await eventually(finished), test_id


async def test_the_report_is_served_sandboxed(http, nats_client):
    run, test_id = await finished_with_artifacts(http, nats_client)
    url = run["k6Runs"][0]["reportUrl"]
    assert url == f"/api/runs/{run['id']}/tests/{test_id}/artifacts/index.html"
    assert run["reportUrl"] == url
    response = await http.get(url)
    assert response.status_code == 200
    assert response.content == REPORT_HTML
    assert response.headers["content-type"].startswith("text/html")
    # Its scripts run in an opaque origin: they cannot use the viewer's session on the app's origin.
    assert response.headers["content-security-policy"] == "sandbox allow-scripts allow-popups"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_summary_and_console_log(http, nats_client):
    run, _ = await finished_with_artifacts(http, nats_client)
    k6 = run["k6Runs"][0]
    summary = await http.get(k6["summaryUrl"])
    assert summary.status_code == 200
    assert summary.headers["content-type"].startswith("application/json")
    assert summary.json() == {"metrics": {"http_reqs": {"count": 3}}}
    assert run["logsUrl"] == k6["consoleUrl"]
    console = await http.get(k6["consoleUrl"])
    assert console.headers["content-type"].startswith("text/plain")
    assert console.content == CONSOLE_TEXT
    assert "content-disposition" not in console.headers
    download = await http.get(k6["consoleUrl"], params={"download": "1"})
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content == CONSOLE_TEXT


async def test_artifacts_are_only_for_the_runs_project_and_known_names(http, stranger, nats_client):
    run, test_id = await finished_with_artifacts(http, nats_client)
    base = f"/api/runs/{run['id']}/tests/{test_id}/artifacts"
    assert (await stranger.get(f"{base}/index.html")).status_code == 404
    assert (await http.get(f"{base}/secrets.txt")).status_code == 404
    assert (await http.get(f"{base}/..%2F..%2Fetc%2Fpasswd")).status_code == 404
    assert (await http.get(f"/api/runs/{run['id']}/tests/{uuid.uuid4()}/artifacts/index.html")).status_code == 404


async def test_a_missing_artifact_is_not_found(http, nats_client):
    run, _ = await finished_with_artifacts(http, nats_client, stored=False)
    response = await http.get(run["k6Runs"][0]["reportUrl"])
    assert response.status_code == 404
    assert "no longer stored" in response.json()["detail"]
    queued = await queued_run(http)
    assert queued["reportUrl"] is None
    assert queued["logsUrl"] is None
