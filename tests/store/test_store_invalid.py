"""Bad values are refused with the right error, and nothing is written."""

from __future__ import annotations

import msgspec
import pytest

from openbrain.domain import AgentSettings, LeadFields
from openbrain.domain.errors import ForbiddenError, InvalidError
from openbrain.store import keys
from openbrain.store.driver import (
    MAX_DATA_BYTES,
    MAX_TRANSACT_ITEMS,
    Delete,
    Item,
    Put,
    TableDriver,
)
from openbrain.store.tenant_store import TenantStore
from tests.store.store_builders import lead, message, new_session, next_turn


def _nothing_in(driver: TableDriver, pk: str = "T#x") -> bool:
    return driver.query(pk).items == []


def test_transaction_with_duplicate_keys(driver: TableDriver) -> None:
    """A transaction touching one item twice is refused whole."""
    with pytest.raises(InvalidError):
        driver.transact([Put(Item(pk="T#x", sk="a")), Delete("T#x", "a")])
    assert _nothing_in(driver)


def test_transaction_over_the_cap(driver: TableDriver) -> None:
    """More than MAX_TRANSACT_ITEMS ops are refused whole."""
    ops = [Put(Item(pk="T#x", sk=f"{i}")) for i in range(MAX_TRANSACT_ITEMS + 1)]
    with pytest.raises(InvalidError):
        driver.transact(ops)
    assert _nothing_in(driver)


@pytest.mark.parametrize(
    "item",
    [
        Item(pk="", sk="a"),
        Item(pk="T#x", sk=""),
        Item(pk="T#x", sk="a" * 1025),
        Item(pk="T#x", sk="a", gsi1pk="I"),
        Item(pk="T#x", sk="a", gsi1pk="", gsi1sk="1"),
        Item(pk="T#x", sk="a", data=b"x" * (MAX_DATA_BYTES + 1)),
        Item(pk="T#x", sk="a", version=-1),
    ],
    ids=["no-pk", "no-sk", "long-sk", "half-index", "empty-index", "too-big", "neg-version"],
)
def test_bad_items(driver: TableDriver, item: Item) -> None:
    """Items DynamoDB could not store are refused by every driver, in puts and transactions."""
    with pytest.raises(InvalidError):
        driver.put(item)
    with pytest.raises(InvalidError):
        driver.transact([Put(Item(pk="T#x", sk="ok")), Put(item)])
    assert _nothing_in(driver)


def test_bad_domain_values_fail_to_decode() -> None:
    """Wire payloads with bad values fail msgspec validation, naming the field."""
    with pytest.raises(msgspec.ValidationError, match="temperature"):
        msgspec.json.decode(b'{"temperature": 3}', type=AgentSettings)
    with pytest.raises(msgspec.ValidationError, match="email"):
        msgspec.json.decode(b'{"email": "not-an-email"}', type=LeadFields)
    with pytest.raises(msgspec.ValidationError, match="unknown"):
        msgspec.json.decode(b'{"temprature": 1}', type=AgentSettings)


def test_bad_config_values_are_refused_by_the_store(store: TenantStore) -> None:
    """Settings built in Python are re-checked on save: a bad value or profile name is an
    ``InvalidError`` and no version is written."""
    with pytest.raises(InvalidError, match="temperature"):
        store.configs.save("sales", AgentSettings(temperature=3))
    with pytest.raises(InvalidError, match="profileName"):
        store.configs.save("bad name!", AgentSettings())
    assert store.configs.list() == []
    assert store.configs.versions("sales")[0] == []


def test_bad_lead_values_are_refused(store: TenantStore) -> None:
    """A lead update with a malformed e-mail is refused and the lead is unchanged."""
    store.leads.save(lead("acme", "l1", email="ann@example.com"))
    with pytest.raises(InvalidError, match="email"):
        store.leads.update("l1", LeadFields(email="nope"))
    assert store.leads.require("l1").email == "ann@example.com"


def test_records_of_another_tenant_are_refused(store: TenantStore) -> None:
    """A repository bound to one tenant refuses to write a record naming another."""
    with pytest.raises(ForbiddenError):
        store.leads.save(lead("other", "l1"))
    session = new_session("other")
    with pytest.raises(ForbiddenError):
        store.sessions.commit_turn(next_turn(session))
    assert store.leads.list()[0] == []
    assert store.sessions.list()[0] == []


def test_turn_over_the_cap_writes_nothing(store: TenantStore) -> None:
    """A turn with more records than one transaction holds is refused whole."""
    session = new_session()
    turn = next_turn(session, MAX_TRANSACT_ITEMS)
    with pytest.raises(InvalidError):
        store.sessions.commit_turn(turn)
    assert store.sessions.get(session.session_id) is None
    assert store.sessions.transcript(session.session_id)[0] == []
    assert message(session, 0).seq == 0


@pytest.mark.parametrize(
    "client_id", ["", "a#b", "acme\n", "\nacme", "acme#x", "x#acme", "acme x", "Acme", "acme_1"]
)
def test_bad_tenant_id(driver: TableDriver, client_id: str) -> None:
    """No tenant store, and no key, can be built for an id that is not a whole tenant id: an
    empty one, one that would break the key layout, or one with a trailing newline or extra
    text around a good id."""
    with pytest.raises(InvalidError):
        TenantStore(driver, client_id)
    with pytest.raises(InvalidError):
        keys.session_pk(client_id, "s1")
    assert keys.session_pk("acme", "s1") == "T#acme#S#s1"
