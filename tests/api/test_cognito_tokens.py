"""Cognito sign-in on a stage: the API verifies the user pool's tokens through its JWKS (a pool
shaped issuer on loopback), beside API keys and local JWTs, and names why it refuses one."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.api.services import services_of
from openbrain.auth.cognito import CognitoVerifier
from openbrain.domain.errors import UpstreamError
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Runtime
from openbrain.settings import CognitoSettings
from tests.api import conftest as api_world
from tests.oidc_issuer import CLIENT_ID, KID, OidcIssuer, new_key, serve_issuer

ALPHA_ADMIN = {"sub": "u-alpha", "custom:clientId": "alpha", "custom:role": "admin"}
BETA_VIEWER = {"sub": "u-beta", "custom:clientId": "beta", "custom:role": "viewer"}


class Stage:
    def __init__(self, client: TestClient[Any], issuer: OidcIssuer, world: api_world.World,
                 logs: io.StringIO) -> None:
        self.client, self.issuer, self.world, self.logs = client, issuer, world, logs

    def get(self, path: str, token: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with serve_issuer() as issuer:
        tmp = tmp_path_factory.mktemp("cognito")
        cognito = CognitoSettings(client_id=CLIENT_ID, configured_issuer=issuer.url,
                                  user_pool_id=None, domain=None, redirect_uri=None)
        settings = api_world.make_settings(tmp, cognito=cognito)
        logs = io.StringIO()
        app = create_app(Runtime(settings, profile=EMBEDDED, logs=LogSetup(stream=logs)))
        with TestClient(app, raise_server_exceptions=False) as client:
            world = api_world.World(
                app=app, client=client, services=services_of(app.state), settings=settings,
                db_path=tmp / "openbrain.db", alpha=api_world.Tenant("alpha", ""),
                beta=api_world.Tenant("beta", ""))
            api_world.populate(world, world.alpha)
            api_world.populate(world, world.beta)
            assert world.services.publisher.drain(timeout=10)
            yield Stage(client, issuer, world, logs)


def test_an_id_token_of_the_pool_signs_in_with_its_tenant_and_role(stage: Stage) -> None:
    r = stage.get("/v1/me", stage.issuer.mint(ALPHA_ADMIN))
    assert r.status_code == 200, r.text
    me = r.json()
    assert (me["clientId"], me["role"]) == ("alpha", "admin")
    assert "configs:write" in me["scopes"]


def test_an_access_token_of_the_app_client_signs_in_too(stage: Stage) -> None:
    r = stage.get("/v1/me", stage.issuer.mint(BETA_VIEWER, token_use="access"))
    assert r.status_code == 200, r.text
    assert (r.json()["clientId"], r.json()["role"]) == ("beta", "viewer")
    assert "configs:write" not in r.json()["scopes"]


def test_a_tenant_sees_its_own_data_and_not_another_tenants(stage: Stage) -> None:
    beta = stage.issuer.mint(BETA_VIEWER)
    assert stage.get("/v1/configs/only-beta", beta).status_code == 200
    assert stage.get("/v1/configs/only-alpha", beta).status_code == 404
    sessions = stage.get("/v1/sessions", beta).json()
    assert stage.world.alpha.ids["session"] not in str(sessions)
    assert stage.world.beta.ids["session"] in str(sessions)
    # The tenant comes from the claim only: a viewer cannot write.
    body = {"systemMessage": "hi"}
    r = stage.client.put("/v1/configs/only-beta", json=body,
                         headers={"Authorization": f"Bearer {beta}"})
    assert r.status_code == 403, r.text


def test_local_jwts_and_api_keys_still_sign_in_beside_the_pool(stage: Stage) -> None:
    assert stage.get("/v1/me", stage.world.jwt("alpha")).json()["clientId"] == "alpha"
    assert stage.get("/v1/me", stage.world.alpha.admin_key).json()["clientId"] == "alpha"


def _expired(issuer: OidcIssuer) -> str:
    return issuer.mint(ALPHA_ADMIN, ttl=-120)


BAD_TOKENS: dict[str, tuple[Any, str]] = {
    "wrong iss": (lambda i: i.mint(ALPHA_ADMIN, iss="https://cognito-idp.example/other-pool"),
                  "issuer (iss) is not this user pool"),
    "wrong aud": (lambda i: i.mint(ALPHA_ADMIN, aud="another-client"),
                  "another app client (aud does not match)"),
    "access token of another client": (
        lambda i: i.mint(ALPHA_ADMIN, token_use="access", client_id="another-client"),
        "another app client (client_id does not match)"),
    "no token_use": (lambda i: i.mint(ALPHA_ADMIN, token_use=None), "no 'token_use' claim"),
    "refresh token_use": (lambda i: i.mint(ALPHA_ADMIN, token_use="refresh"),
                          "token_use must be 'id' or 'access'"),
    "expired": (_expired, "the token has expired"),
    "unknown kid": (lambda i: i.mint(ALPHA_ADMIN, kid="not-the-pools"),
                    "signing key (kid) is not the user pool's"),
    "another key under the pool's kid": (lambda i: i.mint(ALPHA_ADMIN, key=new_key()),
                                         "signature does not verify"),
    "no role": (lambda i: i.mint({"sub": "u", "custom:clientId": "alpha"}),
                "carries no known role"),
    "no tenant": (lambda i: i.mint({"sub": "u", "custom:role": "admin"}), "names no tenant"),
    "unknown tenant": (lambda i: i.mint({**ALPHA_ADMIN, "custom:clientId": "gamma"}),
                       "tenant does not exist"),
}


@pytest.mark.parametrize("case", BAD_TOKENS, ids=str)
def test_every_bad_token_is_a_401_naming_why_and_never_logged(stage: Stage, case: str) -> None:
    make, reason = BAD_TOKENS[case]
    token = make(stage.issuer)
    r = stage.get("/v1/me", token)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert reason in r.json()["detail"], r.json()
    assert '"status": 401' in stage.logs.getvalue(), "the refusal is logged, the token not"
    assert token.rsplit(".", 1)[1] not in stage.logs.getvalue()
    assert token.split(".")[1] not in stage.logs.getvalue()


def test_an_unknown_kid_refetches_the_jwks_at_most_every_30_seconds(stage: Stage) -> None:
    """A rotated pool key is found by refetching; a flood of made-up kids is not a flood of
    fetches to the pool."""
    verifier = CognitoVerifier(CognitoSettings(client_id=CLIENT_ID,
                                               configured_issuer=stage.issuer.url))
    fetches: list[float] = []
    fetch = verifier._jwks.fetch_data

    def counted() -> Any:
        fetches.append(time.monotonic())
        return fetch()

    verifier._jwks.fetch_data = counted  # type: ignore[method-assign]
    assert verifier.verify(stage.issuer.mint(ALPHA_ADMIN)).client_id == "alpha"
    for _ in range(5):
        with pytest.raises(Exception, match="signing key"):
            verifier.verify(stage.issuer.mint(ALPHA_ADMIN, kid=f"{KID}-x"))
    assert len(fetches) == 1


def test_an_unreachable_jwks_is_the_pools_fault_not_the_callers() -> None:
    """A 502, not a 401: a 401 would sign a valid admin out of the dashboard."""
    settings = CognitoSettings(client_id=CLIENT_ID, configured_issuer="http://127.0.0.1:9")
    verifier = CognitoVerifier(settings)
    issuer = OidcIssuer(url="http://127.0.0.1:9")
    with pytest.raises(UpstreamError, match="signing keys could not be fetched"):
        verifier.verify(issuer.mint(ALPHA_ADMIN))


def test_the_issuer_is_derived_from_the_pool_id() -> None:
    settings = CognitoSettings(user_pool_id="eu-west-1_AbC123", client_id="c",
                               configured_issuer=None)
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
    assert settings.jwks_url == f"{settings.issuer}/.well-known/jwks.json"
    assert settings.verifies_tokens
    assert not settings.hosted_ui
    assert replace(settings, domain="https://x", redirect_uri="https://d/").hosted_ui
    assert CognitoVerifier.from_settings(replace(settings, client_id=None)) is None
