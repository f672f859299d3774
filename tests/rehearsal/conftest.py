"""The rehearsal's stages, ``dev`` and ``prod``, brought up once for the module.

Both are brought up before any test runs, each with its first-deploy steps done and a lead
committed while its bus was unreachable: the sweeper publishes only events a minute old, and
that minute passes while the other stage comes up and the first stage's test runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest

from tests.api.test_jwt_jwks import KID, PRIVATE
from tests.lambda_artifacts import Unpacked
from tests.rehearsal.flow import first_deploy_steps, lead_during_bus_outage
from tests.rehearsal.stage import Stage, bring_up, run_program

STAGES = ("dev", "prod")


@pytest.fixture(name="jwks_url", scope="session")
def fx_jwks_url() -> Iterator[str]:
    """Stands in for the Cognito pool's JWKS (moto does not sign ID tokens for it)."""
    key = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PRIVATE.public_key()))
    body = json.dumps({"keys": [{**key, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def id_token(env: dict[str, str], role: str, client_id: str | None = None,
             subject: str | None = None) -> str:
    """An ID token as the stage's pool issues it (issuer and audience from the program)."""
    claims: dict[str, Any] = {"sub": subject or f"{role}-user", "iss": env["OB_JWT_ISSUER"],
                              "aud": env["OB_JWT_AUDIENCE"], "exp": int(time.time()) + 600,
                              "custom:role": role}
    if client_id:
        claims["custom:clientId"] = client_id
    return jwt.encode(claims, PRIVATE, algorithm="RS256", headers={"kid": KID})


@pytest.fixture(name="stages", scope="module")
def fx_stages(tmp_path_factory: pytest.TempPathFactory, jwks_url: str,
              lambda_unpacked: Unpacked) -> Iterator[dict[str, Stage]]:
    """Both stages on the real artifacts (built once per session: tests/lambda_artifacts.py)."""
    works = {name: tmp_path_factory.mktemp(f"rehearsal-{name}") for name in STAGES}
    build = lambda_unpacked.build
    programs = {name: run_program(name, works[name], build) for name in STAGES}
    for name, proc in programs.items():
        assert proc.wait(timeout=240) == 0, f"the program failed for {name}"
    with ExitStack() as stack:
        stages = {}
        for name in STAGES:
            stage = bring_up(name, works[name], lambda_unpacked, jwks_url, stack)
            first_deploy_steps(stage)
            lead_during_bus_outage(stage)
            stages[name] = stage
        yield stages


@pytest.fixture(name="stage", params=STAGES)
def fx_stage(request: pytest.FixtureRequest, stages: dict[str, Stage]) -> Stage:
    return stages[request.param]
