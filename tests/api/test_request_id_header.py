"""The request context's response header: ``x-request-id`` set on the response start exactly as
Litestar's ``MutableScopeHeaders`` sets it, without building that mapping per response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.datastructures import MutableScopeHeaders

from openbrain.api.middleware import _set_request_id

_NAMES = st.sampled_from([b"x-request-id", b"X-Request-ID", b"x-request-idx", b"content-type",
                          b"X-REQUEST-ID", b"\xc0x-request-id", b"vary", b"x-request-i"])
_HEADERS = st.lists(st.tuples(_NAMES, st.binary(max_size=5)), max_size=6)


@settings(max_examples=500, deadline=None)
@given(headers=_HEADERS, as_tuple=st.booleans(), request_id=st.text(
    alphabet=st.characters(max_codepoint=255), min_size=1, max_size=30))
def test_the_header_is_set_as_mutable_scope_headers_sets_it(
    headers: list[tuple[bytes, bytes]], as_tuple: bool, request_id: str,
) -> None:
    """None, one or several (in any case) already there, other names around them, headers
    given as a tuple: the same list afterwards."""
    ours: dict[str, Any] = {"type": "http.response.start", "status": 200,
                            "headers": tuple(headers) if as_tuple else list(headers)}
    theirs: dict[str, Any] = {**ours, "headers": tuple(headers) if as_tuple else list(headers)}
    assert _outcome(lambda: _set_request_id(ours, request_id)) == _outcome(  # type: ignore[arg-type]
        lambda: MutableScopeHeaders.from_message(theirs).__setitem__(  # type: ignore[arg-type]
            "x-request-id", request_id))
    assert ours == theirs
    assert isinstance(ours["headers"], list)


def _outcome(step: Callable[[], None]) -> type[BaseException] | None:
    """The error a step raised (Litestar's deletes shifted positions among 3 or more copies of
    the header: the same IndexError, the list left as it left it), or ``None``."""
    try:
        step()
    except Exception as exc:  # compared, not swallowed
        return type(exc)
    return None


def test_a_message_without_headers_is_refused_as_litestar_refuses_it() -> None:
    import pytest

    for setter in (_set_request_id,
                   lambda m, v: MutableScopeHeaders.from_message(m).__setitem__("x-request-id", v)):
        with pytest.raises(ValueError, match="Invalid message type"):
            setter({"type": "http.response.body", "body": b""}, "r")  # type: ignore[arg-type]
