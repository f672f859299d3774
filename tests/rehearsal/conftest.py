"""The rehearsal's stages, ``dev`` and ``prod``, brought up once for the module.

Both are brought up before any test runs, each with its first-deploy steps done and a lead
committed while its bus was unreachable: the sweeper publishes only events a minute old, and
that minute passes while the other stage comes up and the first stage's test runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.lambda_artifacts import Unpacked
from tests.oidc_issuer import OidcIssuer, serve_issuer
from tests.rehearsal.flow import first_deploy_steps, lead_during_bus_outage
from tests.rehearsal.stage import Stage, bring_up, run_program

STAGES = ("dev", "prod")


POOL = OidcIssuer()
"""Stands in for the stage's Cognito pool (moto does not sign ID tokens for it)."""


@pytest.fixture(name="pool_url", scope="session")
def fx_pool_url() -> Iterator[str]:
    with serve_issuer(POOL) as pool:
        yield pool.url


def id_token(env: dict[str, str], role: str, client_id: str | None = None,
             subject: str | None = None) -> str:
    """An ID token as the stage's pool issues it, for the program's app client."""
    user = {"sub": subject or f"{role}-user", "custom:role": role}
    if client_id:
        user["custom:clientId"] = client_id
    return POOL.mint(user, aud=env["OB_COGNITO_CLIENT_ID"], ttl=600)


@pytest.fixture(name="stages", scope="module")
def fx_stages(tmp_path_factory: pytest.TempPathFactory, pool_url: str,
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
            stage = bring_up(name, works[name], lambda_unpacked, pool_url, stack)
            first_deploy_steps(stage)
            lead_during_bus_outage(stage)
            stages[name] = stage
        yield stages


@pytest.fixture(name="stage", params=STAGES)
def fx_stage(request: pytest.FixtureRequest, stages: dict[str, Stage]) -> Stage:
    return stages[request.param]
