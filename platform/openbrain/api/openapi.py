"""The OpenAPI document as the API behaves: every operation may answer RFC 9457 problem
details, and a schema whose Struct refuses unknown fields says so (``additionalProperties:
false``), so a client or fuzzer never reads a body the server refuses as valid."""

from __future__ import annotations

from collections.abc import Iterator

import msgspec
from litestar.openapi.spec import (
    Components,
    OpenAPI,
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
    "412": "A precondition can never hold (If-Match with a weak tag)",
    "413": "Request body too large",
    "422": "The input breaks a rule",
    "429": "Rate limit or token budget exhausted (see Retry-After)",
    "502": "The LLM failed",
    "503": "The store is busy; retry after Retry-After (with the same Idempotency-Key)",
    "504": "The LLM timed out",
}


def document_problems(schema: OpenAPI) -> None:
    """Add the problem responses to every operation of the app's OpenAPI document."""
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


def _structs(root: type[msgspec.Struct]) -> Iterator[type[msgspec.Struct]]:
    for cls in root.__subclasses__():
        yield cls
        yield from _structs(cls)


# Where the Structs the API decodes live (the client package mirrors some of their names).
_SERVER_MODULES = ("openbrain.domain.", "openbrain.api.")
# What Litestar drops from the items of a list of constrained strings (``list[ProfileName]``).
_ITEM_CONSTRAINTS = {"pattern": "pattern", "minLength": "min_length", "maxLength": "max_length",
                     "format": "format"}


def match_structs(schema: OpenAPI) -> None:
    """Make the component schema of each of our Structs say what decoding it enforces:
    ``additionalProperties: false`` when it forbids unknown fields, and the constraints of
    list items (from msgspec's own schema). A name two Structs share is left alone."""
    by_name: dict[str, list[type[msgspec.Struct]]] = {}
    for cls in _structs(msgspec.Struct):
        found = by_name.setdefault(cls.__name__, [])
        # Multiple inheritance reaches one class along several paths: count it once.
        if cls.__module__.startswith(_SERVER_MODULES) and cls not in found:
            found.append(cls)
    components = schema.components
    schemas = components.schemas if isinstance(components, Components) else None
    for name, component in (schemas or {}).items():
        classes = by_name.get(name, [])
        if len(classes) != 1 or not isinstance(component, Schema):
            continue
        cls = classes[0]
        if cls.__struct_config__.forbid_unknown_fields:
            component.additional_properties = False
        _tighten_items(component, msgspec.json.schema_components([cls])[1].get(name, {}))


def _tighten_items(schema: Schema, exact: dict[str, object]) -> None:
    properties = exact.get("properties")
    for prop_name, prop in (schema.properties or {}).items():
        wanted = properties.get(prop_name) if isinstance(properties, dict) else None
        items = prop.items if isinstance(prop, Schema) else None
        wanted_items = wanted.get("items") if isinstance(wanted, dict) else None
        if not isinstance(items, Schema) or not isinstance(wanted_items, dict):
            continue
        for key, attribute in _ITEM_CONSTRAINTS.items():
            if key in wanted_items and getattr(items, attribute) is None:
                setattr(items, attribute, wanted_items[key])


_CARRIED = ("pattern", "max_length", "min_length", "maximum", "minimum", "format",
            "description", "default")


def parameters_without_null(schema: OpenAPI) -> None:
    """An optional query or header parameter is absent or a string, never JSON ``null``:
    Litestar's ``oneOf: [T, null]`` for ``T | None`` would have a client send ``null``."""
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            for parameter in (operation.parameters or []) if operation is not None else []:
                outer = getattr(parameter, "schema", None)
                if not isinstance(outer, Schema) or not outer.one_of:
                    continue
                kept = [s for s in outer.one_of
                        if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)]
                if len(kept) != 1 or not isinstance(kept[0], Schema):
                    continue
                inner = kept[0]
                for attribute in _CARRIED:
                    if getattr(inner, attribute) is None and getattr(outer, attribute) is not None:
                        setattr(inner, attribute, getattr(outer, attribute))
                parameter.schema = inner
