"""The one exception mapper: every error becomes an RFC 9457 problem detail.

Registered once on the app. Domain errors carry their own status (``domain/errors.py``, the one
table the API client reads back too), Litestar's own errors (unknown route,
wrong method, bad JSON, validation, body too large) keep their 4xx status, and anything else
is a 500 whose detail says nothing about internals (the traceback goes to the redacted log).
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.params import ParameterKwarg

from openbrain.domain.errors import (
    PROBLEM_TYPE_PREFIX,
    OpenBrainError,
    RateLimitedError,
    StoreBusyError,
)
from openbrain.domain.validation import explain

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = structlog.get_logger("openbrain.api")

_HTTP_TITLES = {
    400: ("Bad request", "bad-request"),
    401: ("Unauthorized", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    413: ("Request body too large", "too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
    429: ("Too many requests", "rate-limited"),
}


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """RFC 9457 problem detail (plus ``requestId`` to find the request in the logs)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = msgspec.field(default=None, name="requestId")
    errors: list[dict[str, Any]] | None = None


def problem_for(exc: Exception, path: str | None = None, request_id: str | None = None,
                wire: dict[str, str] | None = None) -> Problem:
    """The problem detail an exception stands for (also used for SSE ``error`` events);
    ``wire`` renames parameters in validation errors to the names the caller sent."""
    if isinstance(exc, OpenBrainError):
        fields = getattr(exc, "fields", None)
        errors = ([{"key": k, "message": m, "source": "body"} for k, m in fields.items() if k]
                  if fields else None)
        return Problem(type=f"{PROBLEM_TYPE_PREFIX}{exc.slug}", title=exc.title,
                       status=exc.status, detail=exc.detail, instance=path,
                       request_id=request_id, errors=errors or None)
    if isinstance(exc, msgspec.ValidationError | msgspec.DecodeError):
        said = explain(str(exc))
        errors = [{"key": said.field, "message": said.sentence, "source": "body"}]
        return Problem(type="urn:openbrain:problem:bad-request", title="Bad request", status=400,
                       detail=said.sentence, instance=path, request_id=request_id,
                       errors=errors if said.field else None)
    if isinstance(exc, HTTPException):
        status = exc.status_code if 400 <= exc.status_code < 600 else 500
        title, slug = _HTTP_TITLES.get(status, ("Error", "error"))
        errors = _validation_errors(exc, wire) if isinstance(exc, ValidationException) else None
        detail = exc.detail
        if errors:
            detail = "; ".join(e["message"] for e in errors if e.get("message"))
        elif status == 400 and detail:
            detail = explain(detail).sentence
        return Problem(type=f"urn:openbrain:problem:{slug}", title=title, status=status,
                       detail=detail or title, instance=path, request_id=request_id,
                       errors=errors)
    return Problem(type="urn:openbrain:problem:internal", title="Internal error", status=500,
                   detail="the server failed to handle this request; it has been logged",
                   instance=path, request_id=request_id)


def _humane(error: dict[str, Any]) -> dict[str, Any]:
    """One of Litestar's field errors, with the field's JSON name and a sentence."""
    key, message = error.get("key"), str(error.get("message", ""))
    # Litestar reports a missing body as the bare name of the parameter.
    if key == "data" and message == "'data'":
        return {"message": "a JSON body is required", "source": "body"}
    said = explain(message, key if isinstance(key, str) else None)
    out: dict[str, Any] = {"message": said.sentence}
    if said.field:
        out["key"] = said.field
    if "source" in error:
        out["source"] = error["source"]
    return out


def _validation_errors(exc: ValidationException,
                       wire: dict[str, str] | None = None) -> list[dict[str, Any]] | None:
    extra = exc.extra
    if isinstance(extra, list):
        errors = []
        for error in extra:
            if not isinstance(error, dict):
                continue
            if wire and error.get("key") in wire:  # Litestar reports a parameter by its
                error = {**error, "key": wire[error["key"]]}  # Python name
            errors.append(_humane(error))
        return errors or None
    return None


def _wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Python name -> wire name of the handler's parameters that are renamed on the wire
    (``session_id`` is ``?sessionId=``), so a problem names what the caller sent."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except (AttributeError, KeyError):  # not routed (404/405)
        return {}
    names: dict[str, str] = {}
    for name, field in parameters.items():
        kwarg = field.kwarg_definition
        alias = isinstance(kwarg, ParameterKwarg) and (kwarg.name or kwarg.query
                                                       or kwarg.header or kwarg.cookie)
        if alias and alias != name:
            names[name] = alias
    return names


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """The app's exception handler."""
    request_id = request.scope.get("state", {}).get("request_id")
    wire = _wire_names(request) if isinstance(exc, ValidationException) else None
    problem = problem_for(exc, request.url.path, request_id, wire)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimitedError | StoreBusyError):
        headers["Retry-After"] = str(exc.retry_after)
    if problem.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="openbrain"'
    if problem.status >= 500 and not isinstance(exc, OpenBrainError):
        log.error("unhandled_error", path=request.url.path, exc_info=exc)
    elif problem.status >= 500 and isinstance(exc, OpenBrainError):
        # A dependency (the LLM, the table) or a stored record failed: no trace, its kind.
        log.warning("server_error", path=request.url.path, status=problem.status,
                    problem=exc.slug, error=type(exc).__name__)
    if isinstance(exc, HTTPException) and exc.headers:
        headers = {**exc.headers, **headers}
    return Response(problem, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE,
                    headers=headers)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {Exception: problem_response}
__all__ = ("EXCEPTION_HANDLERS", "Problem", "problem_for", "problem_response")
