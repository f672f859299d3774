"""A tenant's partition key: kept per tenant id once built, refused for a malformed id every
time, exactly as the check alone decides."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openbrain.domain.errors import InvalidError
from openbrain.domain.ids import CLIENT_ID
from openbrain.store import keys


def _reference(client_id: str) -> str | None:
    return f"T#{client_id}" if CLIENT_ID.fullmatch(client_id) else None


def _outcome(client_id: str) -> str | None:
    try:
        return keys.tenant_pk(client_id)
    except InvalidError:
        return None


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab09-_#\nA")), max_size=42)
       | st.sampled_from(["acme", "acme\n", "a", "ab", "a-b", "-ab", "ab-", "x" * 40, "x" * 41]))
def test_partitions_equal_the_check_alone_twice(client_id: str) -> None:
    assert _outcome(client_id) == _reference(client_id)
    assert _outcome(client_id) == _reference(client_id)


def test_a_text_subclass_is_checked_and_not_kept() -> None:
    class Tricky(str):
        pass

    assert keys.tenant_pk(Tricky("subclassed-tenant")) == "T#subclassed-tenant"
    assert "subclassed-tenant" not in keys._tenant_pks
    with pytest.raises(InvalidError):
        keys.tenant_pk(Tricky("ac#me"))
    assert keys.tenant_pk("subclassed-tenant") == "T#subclassed-tenant"
    assert "subclassed-tenant" in keys._tenant_pks  # a plain text of the same id is kept
