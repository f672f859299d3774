"""The chat reply's session cookie: the bytes Litestar's ``Cookie`` renders, rendered once
per attribute set instead of once per response."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.datastructures import Cookie

from openbrain.api.controllers import chat
from openbrain.api.controllers.chat import SESSION_COOKIE, SessionCookie

VALUES = ["01JEXAMPLE0000000000000000", "abc_DEF-123", "a", "", "with space", 'q"uote',
          "semi;colon", "comma,", "é", "obValueGoesHere7f3a9c"]
ATTRIBUTES: list[dict[str, Any]] = [
    {"httponly": True, "samesite": "lax", "path": "/v1", "secure": False, "max_age": 2_592_000},
    {"httponly": True, "samesite": "lax", "path": "/v1", "secure": True, "max_age": 86_400},
    {"samesite": "strict", "path": "/", "domain": "example.com", "expires": 10},
    {"key": "obValueGoesHere7f3a9c", "path": "/"},  # the mark in an attribute: rendered plainly
]


@pytest.mark.parametrize("attributes", ATTRIBUTES)
@pytest.mark.parametrize("value", VALUES)
def test_the_header_is_litestars(value: str, attributes: dict[str, Any]) -> None:
    fields = {"key": SESSION_COOKIE, **attributes, "value": value}
    assert SessionCookie(**fields).to_encoded_header() == Cookie(**fields).to_encoded_header()


def test_a_session_id_is_spliced_without_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the attribute set was rendered, another session id costs no ``SimpleCookie``."""
    fields: dict[str, Any] = {"key": SESSION_COOKIE, "httponly": True, "samesite": "lax",
                              "path": "/v1", "secure": False, "max_age": 123}
    first = SessionCookie(**fields, value="01FIRST0000000000000000000").to_encoded_header()

    def refuse(self: Cookie, **kwargs: Any) -> str:
        raise AssertionError("rendered again")

    monkeypatch.setattr(Cookie, "to_header", refuse)
    second = SessionCookie(**fields, value="01SECOND000000000000000000").to_encoded_header()

    assert first[1].replace(b"01FIRST0000000000000000000", b"01SECOND000000000000000000") == \
        second[1]
    assert chat._rendered.cache_info().currsize >= 1


def test_cookies_compare_and_hash_as_litestars() -> None:
    """No dataclass re-generation: equality and hashing stay ``Cookie``'s (key, path, domain)."""
    one = SessionCookie(key=SESSION_COOKIE, value="a", path="/v1")
    other = Cookie(key=SESSION_COOKIE, value="b", path="/v1")
    assert one == other
    assert hash(one) == hash(other)
