"""What a browser gets from the backend for the SPA: its files, index.html for app pages, never an API path."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar, Router, get
from litestar.testing import TestClient

from backend.web import spa_router

INDEX = "<!doctype html><title>Supercheck</title>"


@get("/tests", sync_to_thread=False)
def list_tests() -> dict[str, list[str]]:
    return {"items": []}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return tmp_path


@pytest.fixture
def client(dist: Path) -> Iterator[TestClient[Litestar]]:
    router = spa_router(dist)
    assert router is not None
    app = Litestar(route_handlers=[Router(path="/api", route_handlers=[list_tests]), router])
    with TestClient(app) as test_client:
        yield test_client


def test_no_router_without_a_build(tmp_path: Path) -> None:
    assert spa_router(tmp_path) is None
    assert spa_router(tmp_path / "missing") is None


@pytest.mark.parametrize("path", ["/", "/runs", "/runs/3f9c", "/playground?scriptType=performance", "/tests/new"])
def test_app_pages_get_index_html(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_cached_for_good(client: TestClient[Litestar]) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log(1)"
    assert "javascript" in response.headers["content-type"]
    assert "immutable" in response.headers["cache-control"]


def test_root_files_are_served(client: TestClient[Litestar]) -> None:
    response = client.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")


def test_missing_asset_is_404_not_index(client: TestClient[Litestar]) -> None:
    assert client.get("/assets/index-old.js").status_code == 404


@pytest.mark.parametrize("path", ["/api", "/api/nope", "/schema/nope", "/health/x", "/ready/x", "/metrics"])
def test_backend_paths_are_never_the_spa(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert INDEX not in response.text


def test_api_routes_still_answer(client: TestClient[Litestar]) -> None:
    assert client.get("/api/tests").json() == {"items": []}


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"])
def test_files_outside_dist_are_unreachable(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert "not for the web" not in response.text
