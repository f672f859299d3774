"""A request header read straight from the ASGI scope, as Litestar's ``Headers`` reads it."""

from __future__ import annotations

from litestar.types import Scope


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (given in lower case), or ``None``: names compared
    case-insensitively and values decoded as Latin-1, like ``Headers.get``, without building
    the header mapping (tests/api/test_auth_middleware.py)."""
    for key, value in scope["headers"]:
        if key == name or key.lower() == name:
            return value.decode("latin-1")
    return None
