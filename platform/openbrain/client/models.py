"""Pieces of a streamed answer (the rest of what the client reads are the API's own Structs)."""

from __future__ import annotations

import msgspec


class Token(msgspec.Struct, frozen=True):
    """A piece of the answer while a turn streams (an SSE ``token`` event)."""

    text: str
