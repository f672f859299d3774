"""Schemathesis over ``/schema/openapi.json`` (in-process ASGI), every check on: generated
requests, valid and invalid (examples, coverage and fuzzing phases), with a full-scope
credential, never get a 5xx; valid ones are accepted and invalid ones refused; responses,
their headers and content types match the document; undeclared methods get 405 and
``OPTIONS`` lists every method of the path (``Allow``). A bounded number of examples per
operation keeps it within about a minute on two cores.

Valid requests may still be refused for what a schema cannot say: 422 for a rule (a cursor
the server did not issue, an ``Idempotency-Key`` reused for another body, an unknown tool)
and 412 for a weak ``If-Match``. A 400 for a schema-valid request stays a failure."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS

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
ACCEPTED = ["2xx", "401", "403", "404", "409", "412", "422", "429"]
CONFIG = schemathesis.Config.from_dict({
    # The credential the document's bearer scheme declares: schemathesis sends it, and also
    # probes each guarded operation without it and with a forged one (401 expected).
    "auth": {"openapi": {"bearer": {"bearer": TOKEN}}},
    "generation": {"mode": "all"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
               "fuzzing": {"enabled": True}},
    "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
    # What a schema cannot state is checked as the request is decoded (a 400 naming it):
    # tool names listed twice, a webhook route without a url, a timestamp's impossible day
    # (2023-02-29T00:00:00 matches its pattern).
    "operations": [
        {"include-name": name,
         "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}}}
        for name in ("PUT /v1/configs/{name}", "POST /v1/tenants", "GET /v1/sessions")
    ],
})
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", APP, config=CONFIG)
EXAMPLES = int(os.environ.get("OB_SCHEMATHESIS_EXAMPLES", "8"))
ALL_CHECKS = CHECKS.get_all()


def not_a_server_error(ctx: Any, response: Any, case: Any) -> bool:
    assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code}"
    return True


@schema.parametrize()
# Derandomized: CI runs the same examples every time, so a red run is a real regression;
# OB_SCHEMATHESIS_RANDOM=1 (with more OB_SCHEMATHESIS_EXAMPLES) explores new ones.
@settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None,
          suppress_health_check=list(HealthCheck),
          derandomize=os.environ.get("OB_SCHEMATHESIS_RANDOM") != "1")
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    assert services_of(APP.state) is not None
    response = case.call()
    not_a_server_error(None, response, case)
    case.validate_response(response, checks=ALL_CHECKS)
