"""One status table: the API answers each domain error with the status its class declares,
and the client reads that status back as the same class."""

from __future__ import annotations

import msgspec
import pytest

from openbrain.api.problems import problem_for
from openbrain.client.problems import error_from_body
from openbrain.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    OpenBrainError,
    RateLimitedError,
    StoredRecordError,
    UnauthorizedError,
    UpstreamError,
    UpstreamTimeoutError,
    error_type,
)

EXPECTED = {InvalidError: 422, NotFoundError: 404, ConflictError: 409, ForbiddenError: 403,
            UnauthorizedError: 401, RateLimitedError: 429, UpstreamError: 502,
            UpstreamTimeoutError: 504, StoredRecordError: 500}


def _raise(cls: type[OpenBrainError]) -> OpenBrainError:
    return RateLimitedError("boom", 3) if cls is RateLimitedError else cls("boom")


@pytest.mark.parametrize("cls", list(EXPECTED))
def test_server_and_client_agree(cls: type[OpenBrainError]) -> None:
    problem = problem_for(_raise(cls), "/v1/x")
    assert problem.status == EXPECTED[cls]
    assert problem.type == f"urn:openbrain:problem:{cls.slug}"
    assert error_type(problem.status, problem.type) is cls
    body = msgspec.json.encode({"type": problem.type, "detail": "boom"})
    back = error_from_body(problem.status, body, retry_after="3")
    assert type(back) is cls
    assert back.detail == "boom"


@pytest.mark.parametrize(("status", "cls"), [(400, InvalidError), (413, InvalidError),
                                             (405, InvalidError), (500, UpstreamError),
                                             (503, UpstreamError)])
def test_other_statuses(status: int, cls: type[OpenBrainError]) -> None:
    """Litestar's own 4xx are refusals of the input; any other failure is the API's."""
    assert error_type(status) is cls


def test_a_later_subclass_joins_the_table() -> None:
    class TeapotError(OpenBrainError):
        status = 418

    assert error_type(418) is TeapotError


def test_a_bare_500_is_the_apis_failure_not_a_stored_record() -> None:
    """Only the problem type makes a 500 more specific (a proxy's 500 is not our store's)."""
    assert error_type(500) is UpstreamError
    assert error_type(500, "urn:openbrain:problem:internal") is UpstreamError
    assert error_type(500, "urn:openbrain:problem:stored-record") is StoredRecordError
    assert error_type(502, "urn:openbrain:problem:stored-record") is UpstreamError
