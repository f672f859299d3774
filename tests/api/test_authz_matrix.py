"""Authorization matrix over every route of the app: each bad credential is refused with the
right status and changes nothing; tenant B's ids through tenant A's key are 404.

``MATRIX`` must name every route the app serves: a new route without an entry fails
``test_matrix_covers_every_route``.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest

from openbrain.auth.api_keys import mint_key
from openbrain.domain.api_key import ALL_TENANT_SCOPES
from tests.api.conftest import JWT_SECRET, World


@dataclass(frozen=True)
class Entry:
    scopes: tuple[str, ...] | str  # scopes, or "public" / "any" / "publishable"
    widget: bool = False
    body: Callable[[dict[str, str]], Any] | None = None
    idor: bool = False  # the path holds another tenant's id: expect 404
    idor_status: int = 404


def _msg(_: dict[str, str]) -> Any:
    return {"message": "hello"}


MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/"): Entry("public"),
    ("GET", "/healthz"): Entry("public"),
    ("GET", "/widget.js"): Entry("public"),
    ("POST", "/v1/auth/exchange"): Entry("public", body=lambda _: {"code": "obc_alpha_x"}),
    ("GET", "/v1/me"): Entry("any", widget=True),
    ("POST", "/v1/chat"): Entry(("chat",), widget=True,
                                body=lambda ids: {"message": "hi", "sessionId": ids["session"]},
                                idor=True),
    ("GET", "/v1/tools"): Entry(("configs:read",)),
    ("GET", "/v1/models"): Entry(("configs:read",)),
    ("GET", "/v1/configs"): Entry(("configs:read",)),
    ("GET", "/v1/configs/{name}"): Entry(("configs:read",), idor=True),
    ("PUT", "/v1/configs/{name}"): Entry(("configs:write",), body=lambda _: {}),
    ("PATCH", "/v1/configs/{name}"): Entry(("configs:write",), idor=True,
                                          body=lambda _: {"temperature": 0.5}),
    ("DELETE", "/v1/configs/{name}"): Entry(("configs:write",), idor=True),
    ("POST", "/v1/configs/{name}/rename"): Entry(("configs:write",), idor=True,
                                                body=lambda _: {"newName": "renamed"}),
    ("GET", "/v1/configs/{name}/versions"): Entry(("configs:read",), idor=True),
    ("GET", "/v1/configs/{name}/versions/{version}"): Entry(("configs:read",), idor=True),
    ("POST", "/v1/configs/{name}/versions/{version}/restore"): Entry(("configs:write",),
                                                                      idor=True),
    ("POST", "/v1/sessions"): Entry(("chat",), widget=True, body=lambda _: {}),
    ("GET", "/v1/sessions"): Entry(("sessions:read",)),
    ("GET", "/v1/sessions/{session_id}"): Entry(("sessions:read",), idor=True),
    ("DELETE", "/v1/sessions/{session_id}"): Entry(("sessions:read", "leads:write"), idor=True),
    ("GET", "/v1/sessions/{session_id}/messages"): Entry(("sessions:read",), widget=True,
                                                         idor=True),
    ("POST", "/v1/sessions/{session_id}/messages"): Entry(("chat",), widget=True, body=_msg,
                                                          idor=True),
    ("GET", "/v1/sessions/{session_id}/tool-actions"): Entry(("sessions:read",), idor=True),
    ("GET", "/v1/sessions/{session_id}/events"): Entry(("sessions:read",), widget=True,
                                                       idor=True),
    ("GET", "/v1/inbox"): Entry(("handoff",)),
    ("POST", "/v1/inbox/{session_id}/take"): Entry(("handoff",), idor=True),
    ("POST", "/v1/inbox/{session_id}/messages"): Entry(("handoff",), body=_msg, idor=True),
    ("POST", "/v1/inbox/{session_id}/release"): Entry(("handoff",), idor=True),
    ("POST", "/v1/inbox/{session_id}/close"): Entry(("handoff",), idor=True),
    ("GET", "/v1/sessions/{session_id}/memory"): Entry(("sessions:read",), idor=True),
    ("GET", "/v1/leads"): Entry(("leads:read",)),
    ("GET", "/v1/leads/export.csv"): Entry(("leads:read",)),
    ("GET", "/v1/leads/{lead_id}"): Entry(("leads:read",), idor=True),
    ("PATCH", "/v1/leads/{lead_id}"): Entry(("leads:write",), body=lambda _: {"notes": "x"},
                                            idor=True),
    ("DELETE", "/v1/leads/{lead_id}"): Entry(("leads:write",), idor=True),
    ("GET", "/v1/keys"): Entry(("keys:manage",)),
    ("POST", "/v1/keys"): Entry(("keys:manage",), body=lambda _: {"scopes": ["chat"]}),
    ("PATCH", "/v1/keys/{key_id}"): Entry(("keys:manage",), idor=True,
                                         body=lambda _: {"allowedOrigins": []}),
    ("DELETE", "/v1/keys/{key_id}"): Entry(("keys:manage",), idor=True),
    ("GET", "/v1/events"): Entry(("events:manage",)),
    ("GET", "/v1/routes"): Entry(("events:manage",)),
    ("POST", "/v1/routes"): Entry(("events:manage",), body=lambda _: {
        "eventTypes": ["test.event"], "url": "http://127.0.0.1:9/x"}),
    ("POST", "/v1/routes/{route_id}/rotate-secret"): Entry(("events:manage",), idor=True),
    ("DELETE", "/v1/routes/{route_id}"): Entry(("events:manage",), idor=True),
    ("PATCH", "/v1/routes/{route_id}"): Entry(("events:manage",), idor=True,
                                              body=lambda _: {"enabled": False}),
    ("POST", "/v1/routes/{route_id}/test"): Entry(("events:manage",), idor=True),
    ("GET", "/v1/deliveries"): Entry(("events:manage",)),
    ("GET", "/v1/dead-letters"): Entry(("events:manage",)),
    ("GET", "/v1/dead-letters/{dead_letter_id}"): Entry(("events:manage",), idor=True),
    ("POST", "/v1/dead-letters/{dead_letter_id}/redrive"): Entry(("events:manage",), idor=True),
    ("POST", "/v1/dead-letters/redrive"): Entry(("events:manage",)),
    ("GET", "/v1/usage"): Entry(("configs:read",)),
    ("GET", "/v1/usage/costs"): Entry(("configs:read",)),
    ("POST", "/v1/widget/session"): Entry("publishable", body=lambda _: {"profile": "default"}),
    ("GET", "/v1/tenants"): Entry(("platform:admin",)),
    ("POST", "/v1/tenants"): Entry(("platform:admin",),
                                   body=lambda _: {"clientId": "gamma", "name": "G"}),
    ("POST", "/v1/tenants/{client_id}/disable"): Entry(("platform:admin",)),
}
PROTECTED = [k for k, e in MATRIX.items() if e.scopes != "public"]
SCOPED = [k for k, e in MATRIX.items() if isinstance(e.scopes, tuple)]


def app_routes(world: World) -> set[tuple[str, str]]:
    found = set()
    for route in world.app.routes:
        if route.path.startswith("/schema"):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        for method in route.methods:
            if method != "OPTIONS":
                found.add((method, path))
    return found


def fill(path: str, ids: dict[str, str], client_id: str) -> str:
    values = {"name": ids["profile"], "version": "1", "session_id": ids["session"],
              "lead_id": ids["lead"], "key_id": ids["key"], "route_id": ids["route"],
              "dead_letter_id": "01DEADLETTERDOESNOTEXIST00", "client_id": client_id}
    return path.format(**values)


def call(world: World, key: tuple[str, str], headers: dict[str, str],
         ids: dict[str, str] | None = None, client_id: str = "alpha") -> Any:
    method, template = key
    ids = ids or world.alpha.ids
    entry = MATRIX[key]
    body = entry.body(ids) if entry.body else None
    return world.client.request(method, fill(template, ids, client_id), headers=headers,
                                json=body)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(world: World, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"sub": "u1", "iss": world.settings.jwt_issuer, "aud": world.settings.jwt_audience,
              "iat": now, "exp": now + 600, "custom:clientId": "alpha",
              "custom:role": "platform-admin"}
    claims.update(extra)
    return claims


def bad_credentials(world: World) -> dict[str, tuple[dict[str, str], int]]:
    """Credential cases refused on every protected route: name → (headers, status)."""
    unknown = mint_key("alpha", "secret")[1]
    revoked = world.key("alpha")
    world.store("alpha").api_keys.revoke(revoked.split("_")[3])
    expired = world.jwt("alpha", "platform-admin", ttl=-3600)
    wrong_aud = jwt.encode(_claims(world, aud="someone-else"), JWT_SECRET, algorithm="HS256")
    wrong_iss = jwt.encode(_claims(world, iss="evil"), JWT_SECRET, algorithm="HS256")
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(world))}."
    bad_sig = jwt.encode(_claims(world), "not-the-secret-0123456789abcdef0123", algorithm="HS256")
    return {
        "none": ({}, 401),
        "malformed-scheme": ({"Authorization": "Token abc"}, 401),
        "malformed-key": ({"Authorization": "Bearer ob_sk_nope"}, 401),
        "malformed-jwt": ({"Authorization": "Bearer eyJhbGciOi.x.y"}, 401),
        "unknown-key": ({"Authorization": f"Bearer {unknown}"}, 401),
        "unknown-key-header": ({"X-API-Key": unknown}, 401),
        "revoked-key": ({"Authorization": f"Bearer {revoked}"}, 401),
        "expired-jwt": ({"Authorization": f"Bearer {expired}"}, 401),
        "wrong-aud": ({"Authorization": f"Bearer {wrong_aud}"}, 401),
        "wrong-iss": ({"Authorization": f"Bearer {wrong_iss}"}, 401),
        "alg-none": ({"Authorization": f"Bearer {alg_none}"}, 401),
        "bad-signature": ({"Authorization": f"Bearer {bad_sig}"}, 401),
    }


@pytest.fixture(scope="module")
def cases(world: World) -> dict[str, tuple[dict[str, str], int]]:
    return bad_credentials(world)


def test_matrix_covers_every_route(world: World) -> None:
    assert app_routes(world) == set(MATRIX), "every route needs an authorization matrix entry"


@pytest.mark.parametrize("key", PROTECTED, ids=lambda k: f"{k[0]} {k[1]}")
def test_bad_credentials_are_refused(world: World, cases: Any, key: tuple[str, str]) -> None:
    before = world.snapshot()
    for name, (headers, status) in cases.items():
        response = call(world, key, headers)
        assert response.status_code == status, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert world.snapshot() == before


@pytest.mark.parametrize("key", PROTECTED, ids=lambda k: f"{k[0]} {k[1]}")
def test_publishable_and_widget_credentials(world: World, key: tuple[str, str]) -> None:
    entry = MATRIX[key]
    before = world.snapshot()
    pk = world.key("alpha", kind="publishable")
    wt = world.widget_token(world.alpha)
    before = world.snapshot()
    if entry.scopes != "publishable":
        r = call(world, key, {"Authorization": f"Bearer {pk}", "Origin": world.alpha.origin})
        assert r.status_code == 403, r.text  # a publishable key on a secret route
    r = call(world, key, {"Authorization": f"Bearer {wt}", "Origin": "https://evil.example"})
    assert r.status_code == 403, r.text  # wrong origin
    r = call(world, key, {"Authorization": f"Bearer {wt}"})
    assert r.status_code == 403, r.text  # no origin at all
    if not entry.widget:
        r = call(world, key, {"Authorization": f"Bearer {wt}", "Origin": world.alpha.origin})
        assert r.status_code == 403, r.text  # a widget session may only chat
    if entry.scopes == "publishable":
        r = call(world, key, {"Authorization": f"Bearer {pk}", "Origin": "https://evil.example"})
        assert r.status_code == 403, r.text
    assert world.snapshot() == before


@pytest.mark.parametrize("key", SCOPED, ids=lambda k: f"{k[0]} {k[1]}")
def test_a_scope_too_few(world: World, key: tuple[str, str]) -> None:
    needed = set(MATRIX[key].scopes)
    token = world.key("alpha", scopes=[s for s in ALL_TENANT_SCOPES if s not in needed])
    viewer = world.jwt("alpha", "viewer")
    before = world.snapshot()
    r = call(world, key, {"Authorization": f"Bearer {token}"})
    assert r.status_code == 403, r.text
    if not needed <= {"configs:read", "sessions:read", "leads:read"}:
        r = call(world, key, {"Authorization": f"Bearer {viewer}"})
        assert r.status_code == 403, r.text
    assert world.snapshot() == before


IDOR = [k for k, e in MATRIX.items() if e.idor]


@pytest.mark.parametrize("key", IDOR, ids=lambda k: f"{k[0]} {k[1]}")
def test_another_tenants_ids_are_not_found(world: World, key: tuple[str, str]) -> None:
    before = world.snapshot()
    r = call(world, key, {"Authorization": f"Bearer {world.alpha.admin_key}"},
             ids=world.beta.ids)
    assert r.status_code == MATRIX[key].idor_status, r.text
    assert world.snapshot() == before


def test_client_id_in_the_body_must_match(world: World) -> None:
    before = world.snapshot()
    r = world.client.post("/v1/chat", json={"clientId": "beta", "message": "hi"},
                          headers={"Authorization": f"Bearer {world.alpha.admin_key}"})
    assert r.status_code == 403, r.text
    assert world.snapshot() == before


@pytest.mark.parametrize("key", PROTECTED, ids=lambda k: f"{k[0]} {k[1]}")
def test_the_right_credential_is_admitted(world: World, key: tuple[str, str]) -> None:
    """Positive control: a platform-admin JWT of tenant alpha gets past every guard (on fresh
    records where the route changes something)."""
    entry = MATRIX[key]
    admin = world.jwt("alpha", "platform-admin")
    headers = {"Authorization": f"Bearer {admin}"}
    if entry.scopes == "publishable":
        headers = {"Authorization": f"Bearer {world.key('alpha', kind='publishable')}",
                   "Origin": world.alpha.origin}
    ids = dict(world.alpha.ids)
    r = world.client.post("/v1/chat", headers=headers if entry.scopes != "publishable" else
                          {"Authorization": f"Bearer {world.alpha.admin_key}"},
                          json={"message": "I am Sam Roe, sam@alpha.example"})
    ids["session"], ids["lead"] = r.json()["sessionId"], r.json()["lead"]["leadId"]
    ids["key"] = world.key("alpha").split("_")[3]
    world.store("alpha").configs.save("scratch", world.store("alpha").configs.require("default")
                                      .settings)
    ids["profile"] = "scratch"
    r = call(world, key, headers, ids=ids, client_id="beta" if "disable" in key[1] else "alpha")
    assert r.status_code not in (401, 403), r.text
    assert r.status_code < 500, r.text
    if "disable" in key[1]:
        world.services.tenants.repository.set_disabled("beta", False)
        world.services.tenants.invalidate()
