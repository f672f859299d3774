"""The platform's error hierarchy; the API maps each class to one HTTP status, the CLI to a line."""

from __future__ import annotations


class OpenBrainError(Exception):
    """Root of every error the platform raises on purpose.

    ``detail`` is a human-readable sentence safe to show the caller: it never carries secrets
    or lead data.
    """

    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidError(OpenBrainError):
    """The input is malformed or breaks a rule (HTTP 400/422)."""

    title = "Invalid input"


class NotFoundError(OpenBrainError):
    """The record does not exist for this tenant (HTTP 404)."""

    title = "Not found"


class ConflictError(OpenBrainError):
    """A write lost a race or would overwrite existing data (HTTP 409)."""

    title = "Conflict"


class ForbiddenError(OpenBrainError):
    """The credential is valid but may not do this (HTTP 403)."""

    title = "Forbidden"


class UnauthorizedError(OpenBrainError):
    """No credential, or one that is malformed, unknown, revoked or expired (HTTP 401)."""

    title = "Unauthorized"


class RateLimitedError(OpenBrainError):
    """A rate limit or token budget is exhausted (HTTP 429 with Retry-After)."""

    title = "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class UpstreamError(OpenBrainError):
    """The LLM (or another dependency) failed or answered badly (HTTP 502)."""

    title = "Upstream failure"


class UpstreamTimeoutError(UpstreamError):
    """The LLM did not answer within the limit (HTTP 504)."""

    title = "Upstream timeout"


class StoredRecordError(OpenBrainError):
    """A record in the table cannot be decoded by this version (HTTP 500): the fault is the
    store's, never the caller's."""

    title = "Stored record unreadable"
