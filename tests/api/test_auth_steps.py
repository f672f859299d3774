"""The three steps in front of a handler: authentication (middleware: ``request.user`` is the
principal, ``request.auth`` its tenant), the route's access check (a plain rule), and the rate
limits (last, so refused requests never count)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, Request, get, route
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.guards import AccessRule, check_guarded, public, requires_scope
from openbrain.api.principal import Principal, PrincipalKind
from openbrain.api.services import services_of
from openbrain.domain.errors import ForbiddenError
from openbrain.domain.tenant import Tenant
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Runtime
from tests.api import conftest
from tests.api.conftest import ALPHA_ORIGIN, World, make_settings, write_specs

SITE, ELSEWHERE = "https://site.example", "https://elsewhere.example"


@get("/probe/whoami", guards=[requires_scope(widget=True)], sync_to_thread=False,
     include_in_schema=False)
def whoami(request: Request[Principal, Tenant | None, Any]) -> dict[str, Any]:
    tenant = request.auth
    return {"kind": request.user.kind, "clientId": request.user.client_id,
            "tenant": tenant.client_id if tenant is not None else None}


@get("/probe/open", guards=[public], sync_to_thread=False, include_in_schema=False)
def open_probe(request: Request[Any, Any, Any]) -> dict[str, bool]:
    return {"authenticated": "user" in request.scope}


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, io.StringIO]]:
    """Tenant alpha with 3 requests a minute per key and per widget visitor; the access log
    captured."""
    tmp = tmp_path_factory.mktemp("steps")
    settings = make_settings(tmp)
    spec = write_specs(tmp / "tenants") / "alpha.toml"
    spec.write_text(spec.read_text()
                    .replace("keyRequestsPerMinute = 100000", "keyRequestsPerMinute = 3")
                    .replace("widgetRequestsPerMinute = 100000", "widgetRequestsPerMinute = 3"))
    logs = io.StringIO()
    app = create_app(Runtime(settings, profile=EMBEDDED,
                             logs=LogSetup(level="INFO", json=True, stream=logs)))
    app.register(whoami)
    app.register(open_probe)
    with TestClient(app) as client:
        yield World(app=app, client=client, services=services_of(app.state), settings=settings,
                    db_path=tmp / "openbrain.db", alpha=conftest.Tenant("alpha", ALPHA_ORIGIN),
                    beta=conftest.Tenant("beta", conftest.BETA_ORIGIN)), logs


def access_line(logs: io.StringIO, request_id: str) -> dict[str, Any]:
    for line in logs.getvalue().splitlines():
        event: dict[str, Any] = json.loads(line)
        if event.get("event") == "request" and event.get("request_id") == request_id:
            return event
    raise AssertionError(f"no access log line for {request_id}")


def test_request_user_is_the_principal_and_auth_its_tenant(
    steps: tuple[World, io.StringIO],
) -> None:
    world, _ = steps
    r = world.client.get("/probe/whoami", headers={"Authorization": f"Bearer {world.key('beta')}"})
    assert r.json() == {"kind": "secret", "clientId": "beta", "tenant": "beta"}
    platform = world.jwt(None, "platform-admin")
    r = world.client.get("/probe/whoami", headers={"Authorization": f"Bearer {platform}"})
    assert r.json() == {"kind": "jwt", "clientId": None, "tenant": None}


def test_public_routes_are_not_authenticated(steps: tuple[World, io.StringIO]) -> None:
    world, _ = steps
    garbage = {"Authorization": "Token not-even-bearer"}
    r = world.client.get("/probe/open", headers=garbage)
    assert r.status_code == 200
    assert r.json() == {"authenticated": False}
    assert world.client.get("/healthz", headers=garbage).status_code == 200
    assert world.client.get("/schema/openapi.json", headers=garbage).status_code == 200


@pytest.mark.parametrize(("headers", "status", "detail"), [
    ({}, 401, "a credential is required (Authorization: Bearer … or X-API-Key)"),
    ({"Authorization": "Token abc"}, 401,
     "the Authorization header must be 'Bearer <key or token>'"),
    ({"X-API-Key": "ob_sk_nope"}, 401, "the API key is malformed"),
])
def test_a_refused_credential_is_a_problem_with_the_request_id(
    steps: tuple[World, io.StringIO], headers: dict[str, str], status: int, detail: str,
) -> None:
    world, logs = steps
    r = world.client.get("/probe/whoami", headers=headers)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"] == 'Bearer realm="openbrain"'
    assert r.json()["detail"] == detail
    assert r.json()["requestId"] == r.headers["x-request-id"]
    assert access_line(logs, r.headers["x-request-id"])["status"] == status


def test_a_disabled_tenant_is_refused_by_authentication(steps: tuple[World, io.StringIO]) -> None:
    world, logs = steps
    key = world.key("beta")
    world.services.tenants.repository.set_disabled("beta", True)
    world.services.tenants.invalidate()
    try:
        r = world.client.get("/probe/whoami", headers={"Authorization": f"Bearer {key}"})
    finally:
        world.services.tenants.repository.set_disabled("beta", False)
        world.services.tenants.invalidate()
    assert r.status_code == 403
    assert r.json()["detail"] == "tenant 'beta' is disabled"
    assert access_line(logs, r.headers["x-request-id"])["status"] == 403


def test_authentication_names_the_tenant_in_the_log_even_when_the_route_refuses(
    steps: tuple[World, io.StringIO],
) -> None:
    world, logs = steps
    r = world.client.get("/v1/configs",
                         headers={"Authorization": f"Bearer {world.key('beta', scopes=['chat'])}"})
    assert r.status_code == 403
    assert access_line(logs, r.headers["x-request-id"])["client_id"] == "beta"


@pytest.mark.usefixtures("fresh_window")
def test_refused_requests_do_not_count_against_the_limits(
    steps: tuple[World, io.StringIO],
) -> None:
    world, _ = steps
    auth = {"Authorization": f"Bearer {world.key('alpha', scopes=['chat'])}"}
    for _ in range(5):
        assert world.client.get("/v1/configs", headers=auth).status_code == 403
    statuses = [world.client.get("/probe/whoami", headers=auth).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.usefixtures("fresh_window")
def test_a_widget_visitor_over_its_limit_still_gets_the_cors_grant(
    steps: tuple[World, io.StringIO],
) -> None:
    world, _ = steps
    widget = world.widget_headers(world.alpha)
    answers = [world.client.get("/v1/me", headers=widget) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    limited = answers[3]
    assert limited.headers["access-control-allow-origin"] == ALPHA_ORIGIN
    assert "retry-after" in limited.headers["access-control-expose-headers"]
    assert int(limited.headers["retry-after"]) >= 1


def _principal(kind: PrincipalKind, scopes: frozenset[str] = frozenset(),
               origins: tuple[str, ...] = ()) -> Principal:
    return Principal(kind=kind, client_id="alpha", role="key", scopes=scopes, subject="key:k1",
                     allowed_origins=origins)


SECRET = _principal("secret", frozenset({"chat", "leads:read"}))
PUBLISHABLE = _principal("publishable", origins=(SITE,))
VISITOR = _principal("publishable-session", frozenset({"chat"}), origins=(SITE,))
CHAT, WIDGET_CHAT = AccessRule(frozenset({"chat"})), AccessRule(frozenset({"chat"}), widget=True)
WIDGET_SESSION = AccessRule(frozenset(), publishable=True)


@pytest.mark.parametrize(("rule", "principal", "origin", "outcome"), [
    (CHAT, SECRET, None, None),
    (CHAT, SECRET, SITE, None),  # an origin is no CORS grant for a secret key
    (AccessRule(frozenset({"keys:manage"})), SECRET, None,
     "the credential lacks the scope(s): keys:manage"),
    (WIDGET_CHAT, VISITOR, SITE, SITE),
    (WIDGET_CHAT, VISITOR, ELSEWHERE, "the widget session belongs to another origin"),
    (WIDGET_CHAT, VISITOR, None, "the widget session belongs to another origin"),
    (CHAT, VISITOR, SITE, "a widget session may only chat"),
    (WIDGET_CHAT, PUBLISHABLE, SITE, "a publishable key can only open a widget session"),
    (WIDGET_SESSION, PUBLISHABLE, SITE, SITE),
    (WIDGET_SESSION, PUBLISHABLE, ELSEWHERE, "this origin is not allowed for the key"),
    (WIDGET_SESSION, VISITOR, SITE, "this route takes a publishable key (ob_pk_…)"),
    (WIDGET_SESSION, SECRET, None, "this route takes a publishable key (ob_pk_…)"),
])
def test_the_access_rule_is_a_plain_check(
    rule: AccessRule, principal: Principal, origin: str | None, outcome: str | None,
) -> None:
    if outcome is None or outcome.startswith("https://"):
        assert rule.check(principal, origin) == outcome
    else:
        with pytest.raises(ForbiddenError) as refused:
            rule.check(principal, origin)
        assert refused.value.detail == outcome


def test_check_guarded_refuses_a_route_without_a_guard() -> None:
    @get("/unguarded", sync_to_thread=False)
    def unguarded() -> None: ...

    @get("/open", guards=[public], sync_to_thread=False)
    def open_route() -> None: ...

    @route("/preflight", http_method="OPTIONS", sync_to_thread=False)
    def preflight() -> None: ...

    check_guarded(Litestar(route_handlers=[open_route, preflight]))
    with pytest.raises(RuntimeError, match="route /unguarded has no guard"):
        check_guarded(Litestar(route_handlers=[open_route, unguarded]))

