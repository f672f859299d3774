"""Through a real HTTP server on 127.0.0.1: SSE streaming, the widget's CORS and token rules,
and a capture of every log line proving no key, token or lead e-mail is written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openbrain.api.app import create_app
from openbrain.api.services import services_of
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Runtime
from tests.api.conftest import ALPHA_ORIGIN, make_settings
from tests.api.live import free_port, serve_in_thread

LEAD_EMAIL = "jane.roe@patient.example"


class Live:
    def __init__(self, url: str, app: Any, logs: io.StringIO, secret_key: str) -> None:
        self.url, self.app, self.logs, self.secret_key = url, app, logs, secret_key
        self.http = httpx.Client(base_url=url, timeout=30)
        self.seen_secrets: list[str] = [secret_key]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    logs = io.StringIO()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the test client, not the server
    port = free_port()
    settings = make_settings(tmp_path_factory.mktemp("live"), port=port)
    app = create_app(Runtime(settings, profile=EMBEDDED,
                             logs=LogSetup(level="INFO", json=True, stream=logs)))
    from openbrain.auth.api_keys import mint_key
    from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
    from openbrain.domain.base import utcnow
    from openbrain.store import TenantStore
    from tests.api.conftest import World  # noqa: F401 - same minting path as the matrix

    key_id, token, digest = mint_key("alpha", "secret")
    TenantStore(services_of(app.state).driver, "alpha").api_keys.create(ApiKey(
        client_id="alpha", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
        secret_hash=digest, created_at=utcnow()))
    with serve_in_thread(app, port) as url:
        yield Live(url, app, logs, token)


def sse_events(response: httpx.Response) -> list[tuple[str, str]]:
    events, event, data = [], "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                events.append((event, "\n".join(data)))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    return events


def test_sse_streams_tokens_then_the_reply(live: Live) -> None:
    auth = {"Authorization": f"Bearer {live.secret_key}"}
    r = live.http.post("/v1/sessions", headers=auth, json={})
    assert r.status_code == 201, r.text
    session_id = r.json()["sessionId"]
    with live.http.stream("POST", f"/v1/sessions/{session_id}/messages",
                          headers={**auth, "Accept": "text/event-stream"},
                          json={"message": f"Hi, I am Jane Roe, {LEAD_EMAIL}"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    kinds = [e for e, _ in events]
    assert kinds.count("token") >= 2, kinds
    assert kinds[-1] == "done", kinds
    reply = json.loads(events[-1][1])
    streamed = "".join(json.loads(d)["text"] for e, d in events if e == "token")
    assert streamed.strip() == reply["message"].strip()
    assert reply["lead"]["email"] == LEAD_EMAIL
    transcript = live.http.get(f"/v1/sessions/{session_id}/messages", headers=auth).json()
    roles = [m["role"] for m in transcript["items"]]
    assert roles[0] == "assistant", roles
    assert "user" in roles, roles
    assert roles[-1] == "assistant", roles


def test_sse_error_event_on_a_bad_turn(live: Live) -> None:
    auth = {"Authorization": f"Bearer {live.secret_key}"}
    r = live.http.post("/v1/sessions/01AAAAAAAAAAAAAAAAAAAAAAAA/messages",
                       headers={**auth, "Accept": "text/event-stream"}, json={"message": "x"})
    assert r.status_code == 404  # refused before the stream starts: a plain problem detail
    assert r.headers["content-type"].startswith("application/problem+json")


def test_widget_cors_and_token_rules(live: Live) -> None:
    auth = {"Authorization": f"Bearer {live.secret_key}"}
    created = live.http.post("/v1/keys", headers=auth,
                             json={"kind": "publishable", "name": "site"})
    assert created.status_code == 201, created.text
    pk = created.json()["secret"]
    live.seen_secrets.append(pk)
    assert pk.startswith("ob_pk_alpha_")
    # Preflight: allowed origin answered, others not.
    ok = live.http.options("/v1/widget/session", headers={
        "Origin": ALPHA_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == ALPHA_ORIGIN
    bad = live.http.options("/v1/widget/session", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert bad.status_code == 403
    assert "access-control-allow-origin" not in bad.headers
    # Exchange from a wrong origin: refused, no CORS grant.
    r = live.http.post("/v1/widget/session", json={"profile": "default"},
                       headers={"Authorization": f"Bearer {pk}", "Origin": "https://evil.example"})
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    r = live.http.post("/v1/widget/session", json={"profile": "default"},
                       headers={"Authorization": f"Bearer {pk}", "Origin": ALPHA_ORIGIN})
    assert r.status_code == 201, r.text
    assert r.headers["access-control-allow-origin"] == ALPHA_ORIGIN
    token, visitor = r.json()["token"], r.json()["visitorSecret"]
    live.seen_secrets.extend([token, visitor])
    widget = {"Authorization": f"Bearer {token}", "Origin": ALPHA_ORIGIN,
              "X-Visitor-Secret": visitor}
    r = live.http.post("/v1/chat", headers=widget, json={"message": "hello there"})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == ALPHA_ORIGIN
    session_id = r.json()["sessionId"]
    assert "set-cookie" not in r.headers  # widgets keep the id themselves
    # Overrides and other profiles are refused; the secret-key session is invisible.
    r = live.http.post("/v1/chat", headers=widget, json={
        "reset": True, "agentConfigOverrides": {"temperature": 1.0}})
    assert r.status_code == 403
    r = live.http.post("/v1/chat", headers=widget, json={"reset": True, "agentConfig": "other"})
    assert r.status_code == 403
    # Resume across a page load: a new token bound to the same session.
    r = live.http.post("/v1/widget/session", json={"profile": "default", "sessionId": session_id},
                       headers={"Authorization": f"Bearer {pk}", "Origin": ALPHA_ORIGIN,
                                "X-Visitor-Secret": visitor})
    assert r.json()["sessionId"] == session_id
    bound = {"Authorization": f"Bearer {r.json()['token']}", "Origin": ALPHA_ORIGIN,
             "X-Visitor-Secret": visitor}
    live.seen_secrets.append(r.json()["token"])
    r = live.http.get(f"/v1/sessions/{session_id}/messages", headers=bound)
    assert r.status_code == 200
    assert len(r.json()["items"]) >= 2
    other = live.http.post("/v1/sessions", headers=auth, json={}).json()["sessionId"]
    r = live.http.get(f"/v1/sessions/{other}/messages", headers=bound)
    assert r.status_code == 404
    # Revoking the publishable key ends its widget sessions at once.
    key_id = created.json()["key"]["keyId"]
    assert live.http.delete(f"/v1/keys/{key_id}", headers=auth).status_code == 200
    r = live.http.post("/v1/chat", headers=bound, json={"message": "still there?"})
    assert r.status_code == 401


def test_logs_hold_no_secret_and_no_lead_data(live: Live) -> None:
    auth = {"Authorization": f"Bearer {live.secret_key}"}
    live.http.get("/v1/leads", headers=auth, params={"q": LEAD_EMAIL})
    live.http.get("/v1/leads/export.csv", headers=auth)
    live.http.post("/v1/chat", headers=auth, json={"message": f"mail me at {LEAD_EMAIL}"})
    live.http.get("/v1/me", headers={"Authorization": "Bearer ob_sk_alpha_broken"})
    text = live.logs.getvalue()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(line.get("event") == "request" and line.get("client_id") == "alpha"
               and line.get("request_id") for line in lines)
    for secret in live.seen_secrets:
        assert secret not in text
        assert secret[:24] not in text  # not even a prefix long enough to find the key
    assert LEAD_EMAIL not in text
    assert "jane.roe" not in text
    assert "ob_sk_alpha_broken" not in text


@pytest.mark.parametrize(("forwarded", "secure"), [("https", True), ("http", False), (None, False)])
def test_session_cookie_is_secure_behind_a_tls_proxy(live: Live, forwarded: str | None,
                                                     secure: bool) -> None:
    """uvicorn, as on a stage behind the Lambda Web Adapter, takes ``X-Forwarded-Proto`` from
    its trusted hop (127.0.0.1): the cookie is ``Secure`` when the browser spoke HTTPS."""
    headers = {"Authorization": f"Bearer {live.secret_key}"}
    if forwarded is not None:
        headers["X-Forwarded-Proto"] = forwarded
    r = httpx.post(f"{live.url}/v1/chat", headers=headers, json={"message": "hi"}, timeout=30)
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("ob_session=")
    assert ("; secure" in cookie.lower()) is secure
