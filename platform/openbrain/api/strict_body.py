"""JSON bodies are read strictly: a ``0`` is not ``false``, a number is not a timestamp.

Litestar converts handler arguments leniently (query strings must become numbers), and the
body with them. So before a handler runs, its body is decoded once more, strictly, into the
type the handler declares: a type the OpenAPI document does not allow is a 400 naming the
field, as the document promises. The body itself comes from Litestar's cache.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.handlers.base import BaseRouteHandler

_BODY_TYPES: dict[int, Any] = {}


def _body_type(handler: BaseRouteHandler) -> Any:
    """The Struct a handler's ``data`` is (``None``: no body, or not a Struct)."""
    key = id(handler)
    if key not in _BODY_TYPES:
        field = handler.parsed_fn_signature.parameters.get("data")
        annotation = field.annotation if field is not None else None
        struct = isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)
        _BODY_TYPES[key] = annotation if struct else None
    return _BODY_TYPES[key]


async def decode_body_strictly(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook.

    Raises:
        msgspec.ValidationError: the body breaks its type strictly (answered 400).
    """
    body_type = _body_type(request.route_handler)
    if body_type is None:
        return
    body = await request.body()
    if body:
        msgspec.json.decode(body, type=body_type, strict=True)
