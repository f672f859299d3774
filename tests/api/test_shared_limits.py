"""Shared limits through the API: the narrowest bucket first (one address or visitor never
exhausts its tenant), sign-in garbage spends nothing of a tenant, and the daily token budget
reserved before each turn (overshot by at most one turn's reservation, even concurrently)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.limits import WINDOW_SECONDS
from openbrain.api.services import services_of
from openbrain.domain.agent_config import AgentSettings
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.store import TenantStore
from tests.api.conftest import ALPHA_ORIGIN, World, make_settings
from tests.api.live import free_port, serve_in_thread

TENANT_PER_MINUTE, VISITOR_PER_MINUTE, BUDGET = 30, 20, 1000
SMALL = AgentSettings(system_message="Be brief.", max_iterations=1, max_tokens=40,
                      widget_enabled=True)
RESERVATION = 100
"""Above one turn's reservation with ``SMALL`` (1 x (prompt ≈ 20 + maxTokens 40)), far below
what 40 unreserved turns spend (≈ 50 tokens each)."""
QUESTION = {"reset": True, "agentConfig": "small", "message": "What are your opening hours?"}


def limited_world(tmp_path: Path, port: int = 8000) -> World:
    settings = make_settings(tmp_path, port=port)
    spec = settings.tenants_dir / "alpha.toml"
    spec.write_text(spec.read_text()
                    .replace("requestsPerMinute = 100000\n",
                             f"requestsPerMinute = {TENANT_PER_MINUTE}\n", 1)
                    .replace("widgetRequestsPerMinute = 100000",
                             f"widgetRequestsPerMinute = {VISITOR_PER_MINUTE}")
                    .replace("tokensPerDay = 100000000", f"tokensPerDay = {BUDGET}"))
    app = create_app(Runtime(settings, profile=EMBEDDED))
    world = World(app=app, client=TestClient(app), services=services_of(app.state),
                  settings=settings, db_path=tmp_path / "openbrain.db",
                  alpha=None, beta=None)  # type: ignore[arg-type]
    world.store("alpha").configs.save("small", SMALL)
    return world


@pytest.fixture
def world(tmp_path: Path, fresh_window: None) -> Iterator[World]:
    world = limited_world(tmp_path)
    with world.client:
        yield world


def tenant_count(world: World) -> int:
    window = str(int(time.time() // WINDOW_SECONDS))
    return world.store("alpha").counters.count("t", window)


def test_one_address_cannot_exhaust_its_tenant(world: World) -> None:
    publishable = world.key("alpha", kind="publishable", origins=(ALPHA_ORIGIN,))
    flood = [world.client.post("/v1/widget/session", json={"profile": "small"},
                               headers={"Authorization": f"Bearer {publishable}",
                                        "Origin": ALPHA_ORIGIN}).status_code
             for _ in range(150)]
    assert flood.count(429) == 150 - VISITOR_PER_MINUTE
    assert tenant_count(world) == VISITOR_PER_MINUTE
    secret = {"Authorization": f"Bearer {world.key('alpha')}"}
    assert [world.client.get("/v1/me", headers=secret).status_code for _ in range(6)] == [200] * 6


def test_garbage_sign_in_codes_spend_nothing_of_the_tenant(world: World) -> None:
    for _ in range(60):
        r = world.client.post("/v1/auth/exchange", json={"code": f"obc_alpha_{'x' * 43}"})
        assert r.status_code == 401, r.text
    assert tenant_count(world) == 0
    secret = {"Authorization": f"Bearer {world.key('alpha')}"}
    answers = [world.client.get("/v1/me", headers=secret).status_code
               for _ in range(TENANT_PER_MINUTE + 1)]
    assert answers == [200] * TENANT_PER_MINUTE + [429]


def used_tokens(store: TenantStore) -> int:
    return sum(row.input_tokens + row.output_tokens for row in store.usage.list())


def test_sequential_turns_stop_at_the_budget(tmp_path: Path) -> None:
    world = limited_world(tmp_path)
    secret = {"Authorization": f"Bearer {world.key('alpha')}"}
    with world.client:
        for _ in range(200):
            r = world.client.post("/v1/chat", headers=secret, json=QUESTION)
            if r.status_code == 429:
                break
            assert r.status_code == 200, r.text
        assert r.status_code == 429, "the budget never ran out"
        assert "token budget" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1
        used = used_tokens(world.store("alpha"))
    assert BUDGET <= used < BUDGET + RESERVATION, used


def test_concurrent_turns_overshoot_by_at_most_one_reservation(tmp_path: Path) -> None:
    port = free_port()
    world = limited_world(tmp_path, port=port)
    secret = {"Authorization": f"Bearer {world.key('alpha')}"}
    with serve_in_thread(world.app, port) as url, httpx.Client(base_url=url,
                                                                timeout=30) as http:
        def turn(_: int) -> int:
            return http.post("/v1/chat", headers=secret, json=QUESTION).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(turn, range(40)))
        used = used_tokens(world.store("alpha"))
    assert set(statuses) == {200, 429}, statuses
    assert BUDGET <= used < BUDGET + RESERVATION, used
