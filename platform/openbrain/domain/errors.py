"""The platform's error hierarchy, and the one table of HTTP statuses they stand for.

Each class declares its ``status`` (and the ``slug`` of its problem type): the API answers
with it, and the API client turns a problem detail's status back into the class
(:func:`error_type`), so the mapping is stated here only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar


class OpenBrainError(Exception):
    """Root of every error the platform raises on purpose.

    ``detail`` is a human-readable sentence safe to show the caller: it never carries secrets
    or lead data.
    """

    title = "Error"
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidError(OpenBrainError):
    """The input is malformed or breaks a rule (HTTP 400/422).

    ``fields`` maps a field's wire name to what is wrong with it, when the caller knows.
    """

    title = "Invalid input"
    status = 422
    slug = "invalid"

    def __init__(self, detail: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.fields = dict(fields or {})


class NotFoundError(OpenBrainError):
    """The record does not exist for this tenant (HTTP 404)."""

    title = "Not found"
    status = 404
    slug = "not-found"


class ConflictError(OpenBrainError):
    """A write lost a race or would overwrite existing data (HTTP 409)."""

    title = "Conflict"
    status = 409
    slug = "conflict"


class PreconditionFailedError(ConflictError):
    """A conditional request's precondition can never hold as sent, e.g. ``If-Match`` with a
    weak entity tag, which RFC 9110 compares strongly (HTTP 412)."""

    title = "Precondition failed"
    status = 412
    slug = "precondition-failed"


class ForbiddenError(OpenBrainError):
    """The credential is valid but may not do this (HTTP 403)."""

    title = "Forbidden"
    status = 403
    slug = "forbidden"


class UnauthorizedError(OpenBrainError):
    """No credential, or one that is malformed, unknown, revoked or expired (HTTP 401)."""

    title = "Unauthorized"
    status = 401
    slug = "unauthorized"


class RateLimitedError(OpenBrainError):
    """A rate limit or token budget is exhausted (HTTP 429 with Retry-After)."""

    title = "Too many requests"
    status = 429
    slug = "rate-limited"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class UpstreamError(OpenBrainError):
    """The LLM (or another dependency) failed or answered badly (HTTP 502)."""

    title = "Upstream failure"
    status = 502
    slug = "upstream"


class UpstreamTimeoutError(UpstreamError):
    """The LLM did not answer within the limit (HTTP 504)."""

    title = "Upstream timeout"
    status = 504
    slug = "upstream-timeout"


class StoreBusyError(UpstreamError):
    """The table kept throttling (or failing briefly) past the request's time: nothing was
    written, and the same request sent again after ``retry_after`` seconds can succeed
    (HTTP 503 with Retry-After). A chat turn's answer is kept for a retry that carries the
    same ``Idempotency-Key``."""

    title = "Store busy"
    status = 503
    slug = "store-busy"

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class StoredRecordError(OpenBrainError):
    """A record in the table cannot be decoded by this version (HTTP 500): the fault is the
    store's, never the caller's."""

    title = "Stored record unreadable"
    status = 500
    slug = "stored-record"


PROBLEM_TYPE_PREFIX = "urn:openbrain:problem:"


def error_type(status: int, problem_type: str | None = None) -> type[OpenBrainError]:
    """The error class a problem detail stands for.

    Its ``type`` (``urn:openbrain:problem:{slug}``) names the class when it is one of ours;
    otherwise the class declaring that ``status``, except 500 and 503 (a proxy's own answer as
    often as ours), which only a type can make more specific than a failure of the API; any
    other 4xx (Litestar's own 400 for a malformed body, 413 for a body too large) is
    :class:`InvalidError`; anything else, the API having failed from the caller's point of
    view, is :class:`UpstreamError`.
    """
    if problem_type and problem_type.startswith(PROBLEM_TYPE_PREFIX):
        slug = problem_type.removeprefix(PROBLEM_TYPE_PREFIX)
        for cls in _declared(OpenBrainError):
            if cls.__dict__.get("slug") == slug and cls.status == status:
                return cls
    for cls in _declared(OpenBrainError):
        if status not in (500, 503) and cls.__dict__.get("status") == status:
            return cls
    return InvalidError if 400 <= status < 500 else UpstreamError


def _declared(root: type[OpenBrainError]) -> Iterator[type[OpenBrainError]]:
    # Walked at call time, so a class declared anywhere (after this function too) counts.
    for cls in root.__subclasses__():
        yield cls
        yield from _declared(cls)
