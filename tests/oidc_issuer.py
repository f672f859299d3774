"""An OIDC issuer on loopback, shaped like a Cognito user pool and its hosted UI.

It serves discovery, the JWKS, ``/oauth2/authorize`` (signs in :attr:`OidcIssuer.user` at once
and redirects back with a one-time code), ``/oauth2/token`` (the code grant, checking the PKCE
verifier, and the refresh grant), ``/oauth2/revoke`` and ``/logout``. Tokens carry Cognito's
claims (``token_use``, ``aud`` or ``client_id``, ``custom:*``). It records what it was asked,
so tests can prove the dashboard's requests, and :meth:`OidcIssuer.mint` signs any claims
for the API's token tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "dashboard-client"
KID = "pool-key-1"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Grant:
    user: dict[str, Any]
    nonce: str
    challenge: str
    redirect_uri: str


@dataclass
class OidcIssuer:
    """The issuer's state; :func:`serve_issuer` puts it on a port."""

    redirect_uris: list[str] = field(default_factory=list)
    user: dict[str, Any] = field(default_factory=lambda: {
        "sub": "admin-1", "email": "ann@demo.example",
        "custom:clientId": "demo", "custom:role": "admin"})
    """Who the next ``/oauth2/authorize`` signs in."""
    id_token_ttl: int = 3600
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    url: str = ""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_refusals: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    logouts: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _refresh: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def mint(self, user: dict[str, Any] | None = None, *, token_use: str = "id",
             ttl: int | None = None, kid: str = KID, key: rsa.RSAPrivateKey | None = None,
             **claims: Any) -> str:
        """A token as the pool signs it; ``claims`` override (``None`` drops a claim)."""
        now = int(time.time())
        body: dict[str, Any] = {
            **(self.user if user is None else user), "iss": self.url, "token_use": token_use,
            "iat": now, "auth_time": now, "exp": now + (self.id_token_ttl if ttl is None else ttl),
            "jti": secrets.token_hex(8)}
        body |= {"aud": CLIENT_ID} if token_use == "id" else {"client_id": CLIENT_ID}
        body |= claims
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid})

    # -- endpoints --------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.authorize_requests.append(query)
        redirect = query.get("redirect_uri", "")
        problems = [name for name, ok in (
            ("client_id", query.get("client_id") == CLIENT_ID),
            ("redirect_uri", redirect in self.redirect_uris),
            ("response_type", query.get("response_type") == "code"),
            ("code_challenge_method", query.get("code_challenge_method") == "S256"),
            ("code_challenge", bool(query.get("code_challenge"))),
            ("state", bool(query.get("state"))),
            ("scope", "openid" in query.get("scope", "").split()),
        ) if not ok]
        if problems:
            return 400, {}, f"invalid_request: {', '.join(problems)}".encode()
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Grant(dict(self.user), query.get("nonce", ""),
                                       query["code_challenge"], redirect)
        target = f"{redirect}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": target}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID:
            return self._refuse("invalid_client")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            with self._lock:
                grant = self._codes.pop(form.get("code", ""), None)  # one use only
            if grant is None or form.get("redirect_uri") != grant.redirect_uri:
                return self._refuse("invalid_grant")
            verifier = form.get("code_verifier", "").encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge.decode() != grant.challenge:
                return self._refuse("invalid_grant: PKCE verifier")
            refresh = secrets.token_urlsafe(32)
            with self._lock:
                self._refresh[refresh] = grant.user
            return 200, self._tokens(grant.user, nonce=grant.nonce) | {"refresh_token": refresh}
        if grant_type == "refresh_token":
            user = self._refresh.get(form.get("refresh_token", ""))
            if user is None:
                return self._refuse("invalid_grant: refresh token")
            return 200, self._tokens(user)  # Cognito sends no new refresh token
        return self._refuse("unsupported_grant_type")

    def _refuse(self, reason: str) -> tuple[int, dict[str, Any]]:
        self.token_refusals.append(reason)
        return 400, {"error": reason.partition(":")[0]}

    def _tokens(self, user: dict[str, Any], nonce: str = "") -> dict[str, Any]:
        return {"id_token": self.mint(user, nonce=nonce or None),
                "access_token": self.mint(user, token_use="access"),
                "expires_in": self.id_token_ttl, "token_type": "Bearer"}

    def revoke(self, form: dict[str, str]) -> int:
        with self._lock:
            if self._refresh.pop(form.get("token", ""), None) is not None:
                self.revoked.append(form.get("token", ""))
        return 200

    def logout(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.logouts.append(query)
        target = query.get("logout_uri", "")
        if query.get("client_id") != CLIENT_ID or target not in self.redirect_uris:
            return 400, {}, b"invalid logout_uri"
        return 302, {"Location": target}, b""

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.url, "jwks_uri": f"{self.url}/.well-known/jwks.json",
                "authorization_endpoint": f"{self.url}/oauth2/authorize",
                "token_endpoint": f"{self.url}/oauth2/token",
                "revocation_endpoint": f"{self.url}/oauth2/revoke",
                "end_session_endpoint": f"{self.url}/logout",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"]}


def _handler(issuer: OidcIssuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._json(200, issuer.discovery())
            elif parts.path == "/.well-known/jwks.json":
                self._json(200, issuer.jwks())
            elif parts.path == "/oauth2/authorize":
                self._raw(*issuer.authorize(query))
            elif parts.path == "/logout":
                self._raw(*issuer.logout(query))
            else:
                self._raw(404, {}, b"not found")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            path = urlsplit(self.path).path
            if path == "/oauth2/token":
                self._json(*issuer.token(form))
            elif path == "/oauth2/revoke":
                self._raw(issuer.revoke(form), {}, b"")
            else:
                self._raw(404, {}, b"not found")

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._raw(status, {"Content-Type": "application/json"}, json.dumps(body).encode())

        def _raw(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_issuer(issuer: OidcIssuer | None = None) -> Iterator[OidcIssuer]:
    """``issuer`` (a new one by default) on 127.0.0.1 and a free port, until the block ends."""
    issuer = issuer or OidcIssuer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(issuer))
    issuer.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
