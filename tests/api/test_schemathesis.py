"""Schemathesis over ``/schema/openapi.json`` (in-process ASGI): generated requests, with a
full-scope credential, never get a 5xx and every documented response matches its schema.
A bounded number of examples per operation keeps it well under a minute."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from openbrain.api.app import create_app
from openbrain.api.services import services_of
from openbrain.auth.jwt_tokens import mint_token
from openbrain.runtime import EMBEDDED, SERVICE, Parts, Runtime
from tests.api.conftest import make_settings

_TMP = Path(tempfile.mkdtemp(prefix="ob-schemathesis-"))
_SETTINGS = make_settings(_TMP)
# Schemathesis runs the ASGI lifespan around every call: the store and the dispatcher are
# owned here instead, and handed to the app's runtime (which leaves them running).
_OWNER = Runtime(_SETTINGS, profile=replace(SERVICE, sweep_interval=None))
_OWNER.start()
APP = create_app(Runtime(_SETTINGS, profile=EMBEDDED,
                         parts=Parts(driver=_OWNER.driver, publisher=_OWNER.publisher)))
TOKEN = mint_token(_SETTINGS, client_id="alpha", role="platform-admin")
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", APP)
EXAMPLES = int(os.environ.get("OB_SCHEMATHESIS_EXAMPLES", "8"))


def not_a_server_error(ctx: Any, response: Any, case: Any) -> bool:
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code}"
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    assert services_of(APP.state) is not None
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
    response = case.call()
    not_a_server_error(None, response, case)
    case.validate_response(response, checks=(response_schema_conformance,
                                             content_type_conformance))
