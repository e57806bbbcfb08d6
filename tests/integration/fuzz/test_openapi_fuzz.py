"""Schemathesis against the OpenAPI document: every operation, a bounded number of cases each, over real HTTP.

Every answer must be a documented status with a documented content type and a body that matches the
documented schema, and no answer may be a 5xx. The last test reports how many cases were sent.

Nothing is excluded. Ids in paths and bodies are random, so no case names a test, job or run that exists:
no run is ever created (and no runner runs here, so one would only stay queued), and the SSE stream answers
404 at once instead of following a run. The API key is the only credential sent, so sign-out ends nothing.
"""

import json
import time
from collections import Counter
from typing import Any

import httpx
import pytest
import schemathesis
from litestar.serialization import encode_json

from backend.app import create_app
from backend.core.settings import load_settings

MAX_EXAMPLES = 20  # generated cases per operation, besides its examples and boundary cases: about a minute in all
MIN_CASES_PER_OPERATION = 10  # a generator that stopped producing cases must not pass as "no errors"
REQUEST_TIMEOUT_S = 10  # a handler that hangs fails its case instead of the whole run

CONFIG: dict[str, Any] = {
    "seed": 20_250_601,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "suppress-health-check": ["too_slow"],  # it times data generation: a busy CI machine must not fail the run
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
}

# Pytest collects one test per operation, so the document is read from the app object here; the first
# test checks that the server answers with the very same document.
DOCUMENT: dict[str, Any] = json.loads(encode_json(create_app(load_settings()).openapi_schema.to_schema()))
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(CONFIG))

# What the run saw, for the summary test at the end of this module.
seen: Counter[str] = Counter()
statuses: Counter[int] = Counter()
operations: set[str] = set()
clock: dict[str, float] = {}


def test_the_fuzzed_document_is_the_served_one(fuzz_server: str) -> None:
    served = httpx.get(f"{fuzz_server}/schema/openapi.json", timeout=REQUEST_TIMEOUT_S)
    assert served.status_code == 200
    assert served.json() == DOCUMENT


@schema.parametrize()
def test_every_operation_answers_as_documented(case: schemathesis.Case, fuzz_server: str, fuzz_key: str) -> None:
    clock.setdefault("started", time.monotonic())
    headers = {"Authorization": f"Bearer {fuzz_key}"}
    response = case.call(base_url=fuzz_server, headers=headers, timeout=REQUEST_TIMEOUT_S)
    seen["cases"] += 1
    statuses[response.status_code] += 1
    operations.add(case.operation.label)
    if response.status_code >= 500:  # counted here: the checks stop at the first failure of an operation
        seen["server_errors"] += 1
    case.validate_response(response)


def test_fuzz_run_reached_every_operation_without_server_errors(capsys: pytest.CaptureFixture[str]) -> None:
    documented = {result.ok().label for result in schema.get_all_operations()}
    elapsed = time.monotonic() - clock.get("started", time.monotonic())
    summary = (
        f"fuzz: {seen['cases']} cases over {len(operations)} operations, {seen['server_errors']} server errors"
        f" in {elapsed:.0f} s; statuses {dict(sorted(statuses.items()))}"
    )
    with capsys.disabled():
        print(f"\n{summary}")
    assert operations == documented, f"not fuzzed: {sorted(documented - operations)}"
    assert seen["server_errors"] == 0, summary
    assert seen["cases"] >= MIN_CASES_PER_OPERATION * len(documented), summary
