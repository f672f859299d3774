"""RS256 sign-in through a JWKS URL (served on 127.0.0.1), and the algorithm-confusion attack:
an HS256 token signed with the server's RSA *public* key is refused on every route."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.runtime import EMBEDDED, Runtime
from tests.api.conftest import make_settings
from tests.api.test_authz_matrix import MATRIX, PROTECTED, fill

PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC_PEM = PRIVATE.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
KID = "test-key"


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, jwks_url: str) -> Iterator[TestClient[Any]]:
    tmp: Path = tmp_path_factory.mktemp("rs")
    settings = make_settings(tmp, jwt_secret=None, jwt_algorithms=("RS256",),
                             jwt_jwks_url=jwks_url, jwt_issuer="https://issuer.example",
                             jwt_audience="openbrain-api")
    with TestClient(create_app(Runtime(settings, profile=EMBEDDED))) as c:
        yield c


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "u1", "iss": "https://issuer.example", "aud": "openbrain-api", "iat": now,
            "exp": now + 600, "custom:clientId": "alpha", "custom:role": "platform-admin",
            **extra}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def hs256_with_public_key() -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = hmac.new(PUBLIC_PEM, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def test_rs256_token_from_the_jwks_is_accepted(client: TestClient[Any]) -> None:
    token = jwt.encode(_claims(), PRIVATE, algorithm="RS256", headers={"kid": KID})
    r = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["clientId"] == "alpha"
    assert "platform:admin" in r.json()["scopes"]


def test_rs256_token_with_wrong_audience_is_refused(client: TestClient[Any]) -> None:
    token = jwt.encode(_claims(aud="other"), PRIVATE, algorithm="RS256", headers={"kid": KID})
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("key", PROTECTED, ids=lambda k: f"{k[0]} {k[1]}")
def test_hs_rs_confusion_is_refused(client: TestClient[Any], key: tuple[str, str]) -> None:
    ids = dict.fromkeys(("session", "lead", "key", "route"), "01AAAAAAAAAAAAAAAAAAAAAAAA")
    ids["profile"] = "default"
    method, template = key
    body = MATRIX[key].body(ids) if MATRIX[key].body else None
    r = client.request(method, fill(template, ids, "alpha"), json=body,
                       headers={"Authorization": f"Bearer {hs256_with_public_key()}"})
    assert r.status_code == 401, r.text
