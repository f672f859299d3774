"""One-time sign-in codes through a real HTTP server on 127.0.0.1: ``POST /v1/auth/exchange``
redeems a code exactly once (also under concurrent redemptions), refuses replays, expired,
malformed and re-addressed codes with a problem detail and without changing anything, and
nothing about a code or the JWT it was worth reaches the logs."""

from __future__ import annotations

import io
import logging
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.controllers.auth import EXCHANGES_PER_MINUTE
from openbrain.api.services import Services, services_of
from openbrain.auth.signin_codes import code_tenant, hash_code, issue_signin_code
from openbrain.domain.base import utcnow
from openbrain.domain.errors import InvalidError, UnauthorizedError
from openbrain.domain.signin import SIGNIN_CODE_TTL_SECONDS, SigninCode
from openbrain.logs import LogSetup, scrub
from openbrain.runtime import EMBEDDED, Parts, Runtime
from openbrain.settings import Settings
from openbrain.store import keys, open_driver
from openbrain.store.codec import decode, encode
from openbrain.store.signin_codes import USED
from openbrain.store.tenant_store import TenantStore
from tests.api.conftest import make_settings
from tests.api.live import free_port, serve_in_thread

EXCHANGE = "/v1/auth/exchange"
PROBLEM = "application/problem+json"


@dataclass
class Live:
    url: str
    app: Litestar
    services: Services
    settings: Settings
    db_path: Path
    logs: io.StringIO
    http: httpx.Client
    secrets_seen: list[str]

    def runtime(self, settings: Settings) -> Runtime:
        """A second runtime over this server's store, executor and publisher (and logs)."""
        services = self.services
        return Runtime(settings, logs=LogSetup(stream=self.logs), parts=Parts(
            driver=services.driver, executor=services.executor, publisher=services.publisher))

    def issue(self, client_id: str = "alpha", role: str = "admin", ttl: int = 900) -> str:
        code = issue_signin_code(self.services.driver, client_id=client_id, role=role,
                                 token_ttl_seconds=ttl, subject="test")
        self.secrets_seen.append(code)
        return code

    def exchange(self, code: Any) -> httpx.Response:
        response = self.http.post(EXCHANGE, json={"code": code})
        if response.status_code == 200:
            self.secrets_seen.append(response.json()["token"])
        return response

    def snapshot(self) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(
                "SELECT pk, sk, data, version FROM items ORDER BY pk, sk"
            ).fetchall()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    logs = io.StringIO()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the test's client, not the server
    tmp = tmp_path_factory.mktemp("signin")
    port = free_port()
    settings = make_settings(tmp, port=port)
    app = create_app(Runtime(settings, profile=EMBEDDED,
                             logs=LogSetup(level="INFO", json=True, stream=logs)))
    with serve_in_thread(app, port) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield Live(url, app, services_of(app.state), settings, tmp / "openbrain.db", logs, http,
                   [])


def assert_refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert words in response.json()["detail"], response.json()


def test_a_code_redeems_once_for_a_working_jwt(live: Live) -> None:
    code = live.issue("alpha", ttl=900)
    assert code.startswith("obc_alpha_")
    assert code_tenant(code) == "alpha"
    r = live.exchange(code)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["clientId"], body["role"]) == ("alpha", "admin")
    assert set(body) == {"token", "expiresAt", "clientId", "role"}
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert 890 <= claims["exp"] - claims["iat"] <= 900
    me = live.http.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200, me.text
    assert (me.json()["clientId"], me.json()["kind"], me.json()["role"]) == ("alpha", "jwt",
                                                                             "admin")
    # Replays are refused, with the reason, and change nothing.
    before = live.snapshot()
    for _ in range(2):
        replay = live.exchange(code)
        assert_refused(replay, 401, "already been used")
        assert replay.headers["www-authenticate"].startswith("Bearer")
    assert live.snapshot() == before


def test_the_code_grants_the_role_and_lifetime_it_was_issued_with(live: Live) -> None:
    r = live.exchange(live.issue("beta", role="viewer", ttl=120))
    assert r.status_code == 200, r.text
    assert (r.json()["clientId"], r.json()["role"]) == ("beta", "viewer")
    claims = jwt.decode(r.json()["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 120
    keys_listing = live.http.get("/v1/keys", headers={"Authorization":
                                                      f"Bearer {r.json()['token']}"})
    assert keys_listing.status_code == 403, keys_listing.text  # a viewer manages no keys


def test_only_a_hash_of_the_code_is_stored(live: Live) -> None:
    code = live.issue("alpha")
    with sqlite3.connect(live.db_path) as conn:
        rows = conn.execute("SELECT sk, data, expires_at FROM items WHERE sk LIKE 'SIGNIN#%'"
                            ).fetchall()
    assert all(code.encode() not in data and code not in sk for sk, data, _ in rows)
    stored = {sk: (data, expires) for sk, data, expires in rows}
    data, expires = stored[keys.signin_code_sk(hash_code(code))]
    record = msgspec.json.decode(data, type=SigninCode)
    assert record.used_at is None
    assert expires == int(record.expires_at.timestamp())
    lifetime = (record.expires_at - record.created_at).total_seconds()
    assert lifetime == SIGNIN_CODE_TTL_SECONDS


def test_an_expired_code_is_refused(live: Live) -> None:
    code = live.issue("alpha")
    driver = live.services.driver
    item = driver.get(keys.tenant_pk("alpha"), keys.signin_code_sk(hash_code(code)))
    assert item is not None
    record = decode(item.data, SigninCode)
    past = msgspec.structs.replace(record, expires_at=utcnow() - timedelta(seconds=1))
    driver.put(msgspec.structs.replace(item, data=encode(past),
                                       expires_at=int(past.expires_at.timestamp())))
    before = live.snapshot()
    assert_refused(live.exchange(code), 401, "expired")
    assert live.snapshot() == before


@pytest.mark.parametrize("body", [
    {}, {"code": ""}, {"code": 5}, {"code": None}, {"code": "x" * 600},
    {"code": "obc_alpha_" + "a" * 43, "role": "platform-admin"},
], ids=["missing", "empty", "number", "null", "too-long", "unknown-field"])
def test_malformed_bodies_are_400(live: Live, body: Any) -> None:
    before = live.snapshot()
    r = live.http.post(EXCHANGE, json=body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert live.snapshot() == before


@pytest.mark.parametrize("code", [
    "nope", "obc_", "obc_alpha_short", "obc_alpha", "ob_sk_alpha_x", "OBC_alpha_" + "a" * 43,
    "obc_Alpha_" + "a" * 43, "obc_al#pha_" + "a" * 43, "obc_alpha_" + "a" * 42 + "!",
    "eyJhbGciOiJIUzI1NiJ9.e30.sig",
])
def test_malformed_codes_are_401(live: Live, code: str) -> None:
    before = live.snapshot()
    assert_refused(live.exchange(code), 401, "not valid")
    assert live.snapshot() == before


def test_unknown_codes_and_unknown_tenants_are_401(live: Live) -> None:
    before = live.snapshot()
    assert_refused(live.exchange(f"obc_alpha_{secrets.token_urlsafe(32)}"), 401, "not valid")
    assert_refused(live.exchange(f"obc_nosuch_{secrets.token_urlsafe(32)}"), 401, "not valid")
    assert live.snapshot() == before


def test_another_tenants_code_cannot_be_readdressed(live: Live) -> None:
    code = live.issue("beta")
    secret_part = code.removeprefix("obc_beta_")
    before = live.snapshot()
    assert_refused(live.exchange(f"obc_alpha_{secret_part}"), 401, "not valid")
    assert live.snapshot() == before
    # Beta's code was not burned by the attempt, and stays beta's.
    r = live.exchange(code)
    assert r.status_code == 200, r.text
    assert r.json()["clientId"] == "beta"


def test_a_record_planted_under_another_tenants_hash_is_refused(live: Live) -> None:
    """Even a record in alpha's partition whose body names beta is not worth a beta token."""
    code = f"obc_alpha_{secrets.token_urlsafe(32)}"
    now = utcnow()
    forged = SigninCode(client_id="beta", code_hash=hash_code(code), role="admin",
                        subject="x", token_ttl_seconds=600, created_at=now,
                        expires_at=now + timedelta(minutes=5))
    live.services.driver.put(msgspec.structs.replace(
        TenantStore(live.services.driver, "beta").signin_codes._item(forged),
        pk=keys.tenant_pk("alpha")))
    assert_refused(live.exchange(code), 401, "not valid")


def redeem_at_once(url: str, code: str, callers: int) -> list[httpx.Response]:
    """``callers`` threads, each with its own connection, post the same code together."""
    barrier = threading.Barrier(callers)
    results: list[httpx.Response] = []
    lock = threading.Lock()

    def redeem() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            barrier.wait()
            response = http.post(EXCHANGE, json={"code": code})
        with lock:
            results.append(response)

    threads = [threading.Thread(target=redeem) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_redemptions_have_exactly_one_winner(live: Live) -> None:
    for _ in range(3):
        results = redeem_at_once(live.url, live.issue("alpha"), 8)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200] + [401] * 7, statuses
        for r in results:
            if r.status_code == 200:
                live.secrets_seen.append(r.json()["token"])
            else:
                assert "already been used" in r.json()["detail"]


def test_a_race_after_every_reader_saw_the_code_unused_has_one_winner(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic interleaving: every redeemer reads the unused record before any of them
    writes, so only the conditional write can stop a second winner."""
    code = live.issue("alpha")
    driver = open_driver(live.settings)
    readers = 6
    barrier = threading.Barrier(readers)
    inner_get = driver.get

    def get_then_wait(pk: str, sk: str) -> Any:
        item = inner_get(pk, sk)
        if sk.startswith(keys.SIGNIN_CODE_PREFIX):
            barrier.wait(timeout=10)
        return item

    monkeypatch.setattr(driver, "get", get_then_wait)
    outcomes: list[str] = []
    lock = threading.Lock()

    def redeem() -> None:
        try:
            TenantStore(driver, "alpha").signin_codes.redeem(hash_code(code), utcnow())
            outcome = "won"
        except UnauthorizedError as exc:
            outcome = str(exc)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=redeem) for _ in range(readers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        driver.close()
    assert sorted(outcomes) == sorted(["won"] + [USED] * (readers - 1)), outcomes


def test_a_disabled_tenants_code_is_403_and_not_burned(live: Live) -> None:
    code = live.issue("beta")
    tenants = live.services.tenants
    tenants.repository.set_disabled("beta", True)
    tenants.invalidate()
    try:
        assert_refused(live.exchange(code), 403, "disabled")
    finally:
        tenants.repository.set_disabled("beta", False)
        tenants.invalidate()
    assert live.exchange(code).status_code == 200


def test_a_server_without_a_jwt_secret_refuses_and_keeps_the_code(live: Live) -> None:
    code = live.issue("alpha")
    settings = replace(live.settings, jwt_secret=None)
    app = create_app(live.runtime(settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post(EXCHANGE, json={"code": code})
    assert r.status_code == 401, r.text
    assert "not enabled" in r.json()["detail"]
    assert live.exchange(code).status_code == 200


@pytest.mark.usefixtures("fresh_window")
def test_exchanges_are_rate_limited_per_address(tmp_path: Path) -> None:
    """A store of its own: the count is shared by every instance on a store."""
    app = create_app(Runtime(make_settings(tmp_path), profile=EMBEDDED))
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(EXCHANGES_PER_MINUTE):
            r = client.post(EXCHANGE, json={"code": "obc_alpha_guess"})
            assert r.status_code == 401, r.text
        r = client.post(EXCHANGE, json={"code": "obc_alpha_guess"})
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1


def test_issuing_refuses_bad_input(live: Live) -> None:
    driver = live.services.driver
    for kwargs, words in [
        ({"client_id": "alpha", "role": "god", "token_ttl_seconds": 600}, "role must be"),
        ({"client_id": "alpha", "role": "admin", "token_ttl_seconds": 10}, "lifetime"),
        ({"client_id": "alpha", "role": "admin", "token_ttl_seconds": 10**6}, "lifetime"),
        ({"client_id": "al#pha", "role": "admin", "token_ttl_seconds": 600}, "client_id"),
    ]:
        with pytest.raises(InvalidError, match=words):
            issue_signin_code(driver, **kwargs)  # type: ignore[arg-type]


def test_expired_codes_are_pruned_when_a_new_one_is_issued(live: Live) -> None:
    stale = live.issue("alpha")
    driver = live.services.driver
    sk = keys.signin_code_sk(hash_code(stale))
    item = driver.get(keys.tenant_pk("alpha"), sk)
    assert item is not None
    driver.put(msgspec.structs.replace(item, expires_at=int(utcnow().timestamp()) - 5))
    live.issue("alpha")
    assert driver.get(keys.tenant_pk("alpha"), sk) is None


def test_the_log_scrubber_redacts_code_shaped_strings() -> None:
    code = f"obc_alpha_{secrets.token_urlsafe(32)}"
    assert scrub(f"GET /?code={code} 200") == "GET /?code=[redacted] 200"


def test_no_code_or_token_is_logged(live: Live) -> None:
    """Runs last in this module: every code and JWT the tests saw is absent from the logs."""
    text = live.logs.getvalue()
    assert "signin_code_redeemed" in text
    assert live.secrets_seen
    for secret in live.secrets_seen:
        assert secret not in text
    assert "obc_" not in text
