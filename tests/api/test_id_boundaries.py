"""Ids arriving at the API (path, query, body) and in credentials are whole ids: a trailing
newline or extra text around a good id is refused, never looked up or stored."""

from __future__ import annotations

import secrets

import pytest

from openbrain.auth.api_keys import parse_key
from openbrain.auth.signin_codes import code_tenant
from tests.api.conftest import World


def _spoil(value: str) -> list[str]:
    return [value + "%0A", "%0A" + value, value + "%20x", "x%20" + value]


def test_path_ids_are_whole(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    session, key = world.alpha.ids["session"], world.alpha.ids["key"]
    assert world.client.get(f"/v1/sessions/{session}", headers=headers).status_code == 200
    assert world.client.get("/v1/configs/default", headers=headers).status_code == 200
    for path in ([f"/v1/sessions/{s}" for s in _spoil(session)]
                 + [f"/v1/configs/{p}" for p in _spoil("default")]
                 + [f"/v1/routes/{r}" for r in _spoil(world.alpha.ids["route"])]):
        method = "DELETE" if "/routes/" in path else "GET"
        r = world.client.request(method, path, headers=headers)
        assert r.status_code == 400, (path, r.text)
    for path in _spoil(key):
        r = world.client.delete(f"/v1/keys/{path}", headers=headers)
        assert r.status_code == 400, (path, r.text)
    admin = {"Authorization": f"Bearer {world.jwt(None, role='platform-admin')}"}
    for client_id in _spoil("beta"):
        r = world.client.post(f"/v1/tenants/{client_id}/disable", headers=admin)
        assert r.status_code == 400, (client_id, r.text)


def test_a_profile_named_with_a_trailing_newline_is_never_written(world: World) -> None:
    """The probe's case: ``PUT /v1/configs/victimprof%0a`` stored ``"victimprof\n"``."""
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    before = world.snapshot()
    r = world.client.put("/v1/configs/victimprof%0a", json={}, headers=headers)
    assert r.status_code == 400, r.text
    assert world.snapshot() == before
    assert world.store("alpha").configs.get("victimprof\n") is None


def test_query_ids_are_whole(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    session = world.alpha.ids["session"]
    assert world.client.get(f"/v1/events?sessionId={session}", headers=headers).status_code == 200
    for value in _spoil(session):
        r = world.client.get(f"/v1/events?sessionId={value}", headers=headers)
        assert r.status_code == 400, (value, r.text)
    assert world.client.get("/v1/usage?since=2025-01-01", headers=headers).status_code == 200
    for value in _spoil("2025-01-01"):
        r = world.client.get(f"/v1/usage?since={value}", headers=headers)
        assert r.status_code == 400, (value, r.text)


@pytest.mark.parametrize(
    ("path", "good", "bad"),
    [
        ("/v1/sessions", {"profile": "default"}, {"profile": "default\n"}),
        ("/v1/sessions", {"profile": "default"}, {"profile": "x default"}),
        ("/v1/chat", {"message": "hi", "sessionId": "{s}"},
         {"message": "hi", "sessionId": "{s}\n"}),
        ("/v1/chat", {"message": "hi", "sessionId": "{s}"},
         {"message": "hi", "sessionId": "{s}#x"}),
    ],
    ids=["profile-newline", "profile-prefix", "session-newline", "session-suffix"],
)
def test_body_ids_are_whole(world: World, path: str, good: dict[str, str],
                            bad: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {world.alpha.admin_key}"}
    session = world.alpha.ids["session"]
    before = world.snapshot()
    r = world.client.post(path, json={k: v.format(s=session) for k, v in bad.items()},
                          headers=headers)
    assert r.status_code == 400, r.text
    assert world.snapshot() == before
    r = world.client.post(path, json={k: v.format(s=session) for k, v in good.items()},
                          headers=headers)
    assert r.status_code in (200, 201), r.text


def test_key_tokens_and_sign_in_codes_are_whole() -> None:
    token = f"ob_sk_acme_{'0' * 26}_{secrets.token_urlsafe(32)}"
    parsed = parse_key(token)
    assert parsed is not None
    assert (parsed.kind, parsed.client_id, parsed.key_id) == ("secret", "acme", "0" * 26)
    assert parse_key(token.replace("ob_sk_", "ob_pk_")).kind == "publishable"  # type: ignore[union-attr]
    code = f"obc_acme_{secrets.token_urlsafe(32)}"
    assert code_tenant(code) == "acme"
    for spoiled in (token + "\n", "\n" + token, "x" + token, token + " ", token + "!"):
        assert parse_key(spoiled) is None, repr(spoiled)
    for spoiled in (code + "\n", "\n" + code, "x" + code, code + " ", code + "!"):
        assert code_tenant(spoiled) is None, repr(spoiled)
