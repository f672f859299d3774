"""Bad input is a 4xx problem detail (never a 500) and changes nothing; LLM failures are 502
and leave the session as it was; limits answer 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from openbrain import __version__
from openbrain.api.app import create_app
from openbrain.api.problems import problem_for
from openbrain.api.services import services_of
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.errors import (
    ConflictError,
    InvalidError,
    RateLimitedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.store import TenantStore
from tests.api.conftest import World
from tests.api.live import free_port

BAD_BODIES: list[tuple[str, str, bytes, int]] = [
    ("POST", "/v1/chat", b"{not json", 400),
    ("POST", "/v1/chat", b'{"message": 42}', 400),
    ("POST", "/v1/chat", b'{"message": "hi", "surprise": true}', 400),
    ("POST", "/v1/chat", b'{"reset": true, "agentConfig": "no-such-profile"}', 404),
    ("POST", "/v1/chat", b'{"reset": true, "agentConfigOverrides": {"model": "x"}}', 422),
    ("POST", "/v1/chat", b'[]', 400),
    ("POST", "/v1/chat", b"", 400),
    ("PUT", "/v1/configs/p1", b'{"temperature": 9}', 400),
    ("PUT", "/v1/configs/p1", b'{"tools": ["no_such_tool"]}', 422),
    ("PUT", "/v1/configs/bad name", b"{}", 400),
    ("PATCH", "/v1/leads/01AAAAAAAAAAAAAAAAAAAAAAAA", b'{"email": "nope"}', 400),
    ("POST", "/v1/keys", b'{"kind": "secret", "scopes": ["everything"]}', 400),
    ("POST", "/v1/keys", b'{"kind": "secret", "scopes": ["platform:admin"]}', 403),
    ("GET", "/v1/leads?limit=0", b"", 400),
    ("GET", "/v1/leads?cursor=%%%", b"", 422),
    ("GET", "/v1/usage?since=yesterday", b"", 400),
    ("GET", "/v1/nowhere", b"", 404),
    ("DELETE", "/v1/me", b"", 405),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD_BODIES,
                         ids=[f"{m} {p} {b[:20]!r}" for m, p, b, _ in BAD_BODIES])
def test_bad_input_is_a_problem_detail(world: World, method: str, path: str, body: bytes,
                                       status: int) -> None:
    before = world.snapshot()
    r = world.client.request(method, path, content=body, headers={
        "Authorization": f"Bearer {world.alpha.admin_key}", "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == status
    assert problem["detail"]
    assert problem["title"]
    assert world.snapshot() == before


def test_oversize_body_is_413(world: World) -> None:
    r = world.client.post("/v1/chat", content=b'{"message": "' + b"x" * 400_000 + b'"}',
                          headers={"Authorization": f"Bearer {world.alpha.admin_key}",
                                   "Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["status"] == 413


def test_header_session_that_is_gone_is_404_but_a_stale_cookie_starts_afresh(
    world: World,
) -> None:
    auth = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    gone = "01GONEGONEGONEGONEGONEGONE"
    r = world.client.post("/v1/chat", headers={**auth, "X-Session-Id": gone},
                          json={"message": "hi"})
    assert r.status_code == 404
    world.client.cookies.set("ob_session", "01GONEGONEGONEGONEGONEGONE")
    r = world.client.post("/v1/chat", headers=auth, json={"message": "hi"})
    assert r.status_code == 200
    assert r.headers["x-session-id"] == r.json()["sessionId"]
    assert "ob_session" in r.headers["set-cookie"]
    world.client.cookies.clear()


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[tuple[TestClient[Any], str, str]]:
    """A tenant with a 3-requests-per-minute key limit and an LLM endpoint that is down."""
    from tests.api.conftest import make_settings, write_specs

    settings = make_settings(tmp_path, openai_base_url=f"http://127.0.0.1:{free_port()}/v1",
                             openai_api_key="test", llm_max_retries=0, llm_timeout=2.0)
    spec = (write_specs(tmp_path / "tenants") / "alpha.toml")
    spec.write_text(spec.read_text().replace("keyRequestsPerMinute = 100000",
                                             "keyRequestsPerMinute = 3"))
    app = create_app(Runtime(settings, profile=EMBEDDED))
    with TestClient(app) as client:
        w = World(app=app, client=client, services=services_of(app.state), settings=settings,
                  db_path=tmp_path / "openbrain.db", alpha=None, beta=None)  # type: ignore[arg-type]
        TenantStore(w.services.driver, "alpha").configs.save(
            "remote", AgentSettings(model="gpt-4o-mini", ice_breaker="hi"))
        yield client, w.key("alpha"), str(tmp_path / "openbrain.db")


def test_llm_failure_is_502_and_the_session_is_unchanged(
    tight: tuple[TestClient[Any], str, str],
) -> None:
    client, key, _ = tight
    auth = {"Authorization": f"Bearer {key}"}
    started = client.post("/v1/sessions", headers=auth, json={"profile": "remote"})
    assert started.status_code == 201, started.text
    session_id = started.json()["sessionId"]
    store = TenantStore(services_of(client.app.state).driver, "alpha")
    before = (store.sessions.get(session_id), store.sessions.transcript(session_id))
    r = client.post(f"/v1/sessions/{session_id}/messages", headers=auth, json={"message": "hi"})
    assert r.status_code in (502, 504), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (store.sessions.get(session_id), store.sessions.transcript(session_id)) == before


@pytest.mark.usefixtures("fresh_window")
def test_rate_limit_is_429_with_retry_after(tight: tuple[TestClient[Any], str, str]) -> None:
    client, key, _ = tight
    statuses = [client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
                for _ in range(4)]
    assert [r.status_code for r in statuses[:3]] == [200, 200, 200]
    assert statuses[3].status_code == 429
    assert int(statuses[3].headers["retry-after"]) >= 1


def test_public_routes(world: World) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok", "version": __version__}
    script = world.client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    schema = world.client.get("/schema/openapi.json").json()
    assert "Problem" in schema["components"]["schemas"]
    assert schema["info"]["version"] == __version__


@pytest.mark.parametrize(("error", "status"), [
    (ConflictError("another turn won"), 409), (UpstreamError("llm down"), 502),
    (UpstreamTimeoutError("slow"), 504), (InvalidError("bad"), 422),
    (RateLimitedError("slow down", retry_after=3), 429), (RuntimeError("boom"), 500),
])
def test_error_mapping(error: Exception, status: int) -> None:
    problem = problem_for(error, "/v1/chat", "rid")
    assert problem.status == status
    if status == 500:
        assert "boom" not in problem.detail  # internals never reach the caller
