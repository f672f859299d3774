"""Document the error responses: every operation may answer RFC 9457 problem details."""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

from openbrain.api.problems import PROBLEM_MEDIA_TYPE

_PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "requestId": Schema(type=OpenAPIType.STRING),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    },
    description="RFC 9457 problem detail",
)
_STATUSES = {
    "400": "Malformed request (bad JSON, wrong types, unknown fields)",
    "401": "No credential, or one that is malformed, unknown, revoked or expired",
    "403": "The credential may not do this",
    "404": "Not found (for this tenant)",
    "405": "Method not allowed",
    "409": "Conflict (a concurrent change won)",
    "413": "Request body too large",
    "422": "The input breaks a rule",
    "429": "Rate limit or token budget exhausted (see Retry-After)",
    "502": "The LLM failed",
    "503": "The store is busy; retry after Retry-After (with the same Idempotency-Key)",
    "504": "The LLM timed out",
}


def document_problems(app: Litestar) -> None:
    """Add the problem responses to every operation of the app's (cached) OpenAPI document."""
    schema = app.openapi_schema
    components = schema.components if isinstance(schema.components, Components) else Components()
    components.schemas = {**(components.schemas or {}), "Problem": _PROBLEM}
    schema.components = components
    problem = OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status, description in _STATUSES.items():
                responses[status] = OpenAPIResponse(
                    description=description, content={PROBLEM_MEDIA_TYPE: problem}
                )
            operation.responses = responses
