"""The shapes of OpenBrain's ids, each stated once, and always matched against the whole string.

Every boundary (record fields, API path and query parameters, key tokens, tenant specs, store
keys) takes its rule from here. Python's ``$`` also matches before a final newline and a bare
``re.search``/``re.match`` accepts extra text, so each shape offers two full-string forms:
:attr:`IdPattern.anchored` for search-based validators (msgspec ``Meta``, Litestar
``Parameter``) and :meth:`IdPattern.fullmatch` for code.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

import msgspec

from openbrain.domain.validation import shape


class IdPattern:
    """One id shape. ``body`` has no anchors, so key-token patterns can embed it."""

    __slots__ = ("_regex", "anchored", "body")

    def __init__(self, body: str, description: str) -> None:
        self.body: Final = body
        # ``^...$`` keeps the pattern readable by ECMA-262 clients of the OpenAPI document
        # (which know no ``\A``/``\Z``); the lookahead refuses what Python's ``$`` lets
        # through, a trailing newline.
        self.anchored: Final = shape(rf"^(?:{body})$(?!\n)", description)
        self._regex: Final = re.compile(body)

    def fullmatch(self, value: str) -> bool:
        """Whether the whole of ``value`` has this shape."""
        return self._regex.fullmatch(value) is not None

    def __repr__(self) -> str:
        return f"IdPattern({self.body!r})"


CLIENT_ID = IdPattern(
    r"[a-z0-9][a-z0-9-]{1,38}[a-z0-9]",
    "3 to 40 lower-case letters, digits and inner hyphens",
)
"""A tenant: lower-case letters, digits and inner hyphens (never ``_`` or ``#``, which
separate token parts and key parts)."""

PROFILE_NAME = IdPattern(
    r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}",
    "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
)
"""A configuration profile's name."""

IDENTIFIER = IdPattern(r"[A-Za-z0-9_-]{1,64}", "1 to 64 letters, digits, '_' or '-'")
"""Any other id: sessions, leads, routes, keys, events, dead letters."""

GENERATED_ID = IdPattern(r"[0-9A-Z]{26}", "an id of 26 upper-case letters and digits")
"""What :func:`openbrain.domain.base.new_id` makes (and so every API key id)."""

DAY = IdPattern(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a date written YYYY-MM-DD")
"""A calendar day, ``YYYY-MM-DD``, as usage keys hold it."""

ClientId = Annotated[str, msgspec.Meta(pattern=CLIENT_ID.anchored)]
ProfileName = Annotated[str, msgspec.Meta(pattern=PROFILE_NAME.anchored)]
Identifier = Annotated[str, msgspec.Meta(pattern=IDENTIFIER.anchored)]
