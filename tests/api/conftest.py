"""Fixtures of the API tests: two tenants from temporary specs, an app over a temporary
SQLite store, keys and tokens minted the way the API itself mints them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.services import Services, services_of
from openbrain.auth.api_keys import mint_key
from openbrain.auth.jwt_tokens import mint_token
from openbrain.domain.agent_config import AgentSettings
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
from openbrain.domain.base import utcnow
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import Settings
from openbrain.store import TenantStore

ALPHA_ORIGIN = "https://shop.alpha.example"
BETA_ORIGIN = "https://www.beta.example"
JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789"

_SPEC = """clientId = "{cid}"
name = "{cid} tenant"
widgetOrigins = ["{origin}", "http://127.0.0.1:{port}"]

[plan]
requestsPerMinute = 100000
keyRequestsPerMinute = 100000
widgetRequestsPerMinute = 100000
tokensPerDay = 100000000

[[routes]]
routeId = "log-all"
kind = "log"
eventTypes = ["lead.created", "lead.updated", "handoff.requested", "test.event"]
"""


def write_specs(directory: Path, *, port: int = 8000) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for cid, origin in (("alpha", ALPHA_ORIGIN), ("beta", BETA_ORIGIN)):
        (directory / f"{cid}.toml").write_text(_SPEC.format(cid=cid, origin=origin, port=port))
    return directory


def make_settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "store": f"sqlite:///{tmp / 'openbrain.db'}",
        "tenants_dir": write_specs(tmp / "tenants", port=overrides.pop("port", 8000)),
        "jwt_secret": JWT_SECRET,
        "openai_api_key": None,
        "openai_base_url": None,
        "log_json": True,
        "stream_max_seconds": 1.0,  # a test reading a session's stream whole gets it soon
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Tenant:
    """One tenant's credentials and sample records (ids filled by :func:`populate`)."""

    client_id: str
    origin: str
    admin_key: str = ""
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    app: Litestar
    client: TestClient[Litestar]
    services: Services
    settings: Settings
    db_path: Path
    alpha: Tenant
    beta: Tenant

    def store(self, client_id: str) -> TenantStore:
        return TenantStore(self.services.driver, client_id)

    def stream_turn(self) -> Any:
        """A streamed turn on alpha's seeded session, as its admin; the response, checked 200."""
        session = self.alpha.ids["session"]
        r = self.client.post(f"/v1/sessions/{session}/messages",
                             headers={"Authorization": f"Bearer {self.alpha.admin_key}",
                                      "Accept": "text/event-stream"},
                             json={"message": "What are your opening hours?"})
        assert r.status_code == 200, r.text
        return r

    def key(self, client_id: str, *, kind: str = "secret", scopes: Any = ALL_TENANT_SCOPES,
            origins: tuple[str, ...] = (), profiles: tuple[str, ...] = ()) -> str:
        """A new key minted straight into the store (as ``POST /v1/keys`` would)."""
        key_id, token, digest = mint_key(client_id, kind)  # type: ignore[arg-type]
        self.store(client_id).api_keys.create(ApiKey(
            client_id=client_id, key_id=key_id, kind=kind,  # type: ignore[arg-type]
            scopes=list(scopes) if kind == "secret" else ["chat"],
            allowed_origins=list(origins), profiles=list(profiles),
            secret_hash=digest, created_at=utcnow()))
        return token

    def jwt(self, client_id: str | None, role: str = "admin", ttl: int = 3600) -> str:
        return mint_token(self.settings, client_id=client_id, role=role, ttl_seconds=ttl)

    def widget_token(self, tenant: Tenant, session_id: str | None = None) -> str:
        return self.widget_headers(tenant, session_id)["Authorization"].removeprefix("Bearer ")

    def widget_headers(self, tenant: Tenant, session_id: str | None = None,
                       visitor_secret: str | None = None) -> dict[str, str]:
        """What a widget on ``tenant``'s page sends: its session token, the page's origin and
        the visitor secret (issued by this exchange unless ``visitor_secret`` is given)."""
        pk = self.key(tenant.client_id, kind="publishable")
        body: dict[str, Any] = {"profile": "default"}
        if session_id:
            body["sessionId"] = session_id
        headers = {"Authorization": f"Bearer {pk}", "Origin": tenant.origin}
        if visitor_secret:
            headers["X-Visitor-Secret"] = visitor_secret
        r = self.client.post("/v1/widget/session", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}", "Origin": tenant.origin,
                "X-Visitor-Secret": visitor_secret or r.json()["visitorSecret"]}

    def snapshot(self) -> list[tuple[Any, ...]]:
        """Every row of the table, minus last-use stamps of keys and the shared rate-limit
        counters (the only allowed changes)."""
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(
                "SELECT pk, sk, data, counters FROM items WHERE sk NOT LIKE 'KEY#%' "
                "AND pk NOT LIKE '%#COUNTERS#%' ORDER BY pk, sk"
            ).fetchall()


def populate(world: World, tenant: Tenant) -> None:
    """A session with a lead, a second profile, a key and an added route in ``tenant``."""
    store = world.store(tenant.client_id)
    tenant.admin_key = world.key(tenant.client_id, scopes=(*ALL_TENANT_SCOPES,))
    headers = {"Authorization": f"Bearer {tenant.admin_key}"}
    c = world.client
    r = c.post("/v1/chat", headers=headers,
               json={"message": f"I am Pat Doe, pat@{tenant.client_id}.example"})
    assert r.status_code == 200, r.text
    reply = r.json()
    tenant.ids["session"] = reply["sessionId"]
    assert reply["lead"], reply
    tenant.ids["lead"] = reply["lead"]["leadId"]
    store.configs.save(f"only-{tenant.client_id}", AgentSettings(widget_enabled=True))
    tenant.ids["profile"] = f"only-{tenant.client_id}"
    tenant.ids["key"] = store.api_keys.list()[0].key_id
    r = c.post("/v1/routes", headers=headers,
               json={"eventTypes": ["test.event"], "url": "http://127.0.0.1:9/hook",
                     "routeId": f"hook-{tenant.client_id}"})
    assert r.status_code == 201, r.text
    tenant.ids["route"] = f"hook-{tenant.client_id}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("api")
    settings = make_settings(tmp)
    app = create_app(Runtime(settings, profile=EMBEDDED))
    with TestClient(app, raise_server_exceptions=False) as client:
        w = World(app=app, client=client, services=services_of(app.state), settings=settings,
                  db_path=tmp / "openbrain.db", alpha=Tenant("alpha", ALPHA_ORIGIN),
                  beta=Tenant("beta", BETA_ORIGIN))
        populate(w, w.alpha)
        populate(w, w.beta)
        # Deliveries run on the dispatcher's threads: let them land before any snapshot.
        assert w.services.publisher.drain(timeout=10)
        yield w
