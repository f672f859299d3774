"""The driver's own decoding of DynamoDB's answers (``store/dynamodb_wire.py``): every
attribute the store writes comes back as written, only the driver's calls are decoded (other
users of the client get botocore's answers), and a turn costs three requests."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from openbrain.agent.executor import TurnExecutor
from openbrain.domain import AgentSettings, ChatMessage
from openbrain.settings import Settings
from openbrain.store import TenantStore
from openbrain.store import dynamodb_wire as wire
from openbrain.store.driver import Item, Put, VersionIs
from openbrain.store.dynamodb import DynamoDBDriver, StoreUnavailableError


@pytest.fixture(name="dynamo")
def fx_dynamo(dynamodb_client: Any) -> Iterator[DynamoDBDriver]:
    driver = DynamoDBDriver(dynamodb_client, f"t-{uuid.uuid4().hex}")
    driver.setup()
    yield driver
    driver.drop()


EVERYTHING = Item(pk="T#a#S#1", sk="SESSION", data=bytes(range(256)) * 3, version=7,
                  gsi1pk="T#a#X", gsi1sk="2026-01-01#1", expires_at=1_900_000_000,
                  counters={"turns": 3, "back": -2, "m:gpt-4o|i": 12_345_678_901})


def test_every_attribute_the_store_writes_reads_back(dynamo: DynamoDBDriver) -> None:
    """Binary data (every byte value), version, index keys, TTL and counters (negative and
    past 32 bits): by get, query, index query and the counters an increment returns."""
    bare = Item(pk="T#a#S#1", sk="M#0000000001")  # no data, no version, nothing optional
    dynamo.put(EVERYTHING)
    dynamo.put(bare)
    assert dynamo.get(EVERYTHING.pk, EVERYTHING.sk) == EVERYTHING
    assert dynamo.get(bare.pk, bare.sk) == bare
    assert dynamo.get("T#a#S#1", "missing") is None
    assert dynamo.query("T#a#S#1").items == [bare, EVERYTHING]
    assert dynamo.query_index("T#a#X").items == [EVERYTHING]
    assert dynamo.increment(EVERYTHING.pk, EVERYTHING.sk, {"turns": 1, "new": 5}) == {
        "turns": 4, "back": -2, "m:gpt-4o|i": 12_345_678_901, "new": 5}
    assert dynamo.add_capped("T#a#C", "W#1", "n", 2, at_most=10, expires_at=1) == 2


def test_pages_follow_the_last_key(dynamo: DynamoDBDriver) -> None:
    """A cursor built from a decoded item leads to the next page, in order."""
    for n in range(5):
        dynamo.put(Item(pk="T#a#S#2", sk=f"M#{n:010d}", data=b"x"))
    first = dynamo.query("T#a#S#2", "M#", limit=2)
    second = dynamo.query("T#a#S#2", "M#", limit=2, cursor=first.cursor)
    third = dynamo.query("T#a#S#2", "M#", limit=2, cursor=second.cursor)
    assert [i.sk[-1] for p in (first, second, third) for i in p.items] == list("01234")
    assert third.cursor is None


def test_a_last_evaluated_key_goes_back_in_wire_form() -> None:
    answer = msgspec.json.decode(
        b'{"Items": [], "LastEvaluatedKey": {"pk": {"S": "a"}, "sk": {"S": "M#1"}}}',
        type=wire.QueryAnswer)
    assert answer.LastEvaluatedKey is not None
    assert wire.key_attrs(answer.LastEvaluatedKey) == {"pk": {"S": "a"}, "sk": {"S": "M#1"}}


def test_other_users_of_the_client_get_botocore_answers(dynamo: DynamoDBDriver,
                                                        dynamodb_client: Any) -> None:
    dynamo.put(EVERYTHING)
    raw = dynamodb_client.get_item(TableName=dynamo.table_name,
                                   Key={"pk": {"S": EVERYTHING.pk}, "sk": {"S": EVERYTHING.sk}})
    assert wire.DECODED not in raw
    assert raw["Item"]["data"] == {"B": EVERYTHING.data}
    assert raw["Item"]["c_back"] == {"N": "-2"}


def test_errors_are_still_botocore_s(dynamo: DynamoDBDriver) -> None:
    """A refused condition is an error answer: parsed by botocore, mapped as before."""
    dynamo.put(Item(pk="p", sk="s", version=1))
    with pytest.raises(Exception, match="changed since it was read"):
        dynamo.transact([Put(Item(pk="p", sk="s", version=3), VersionIs(2))])


def test_an_unreadable_answer_is_a_store_failure(dynamo: DynamoDBDriver,
                                                 dynamodb_client: Any) -> None:
    """A successful answer that is not the operation's JSON fails the call (botocore would
    have read it as an empty answer: a missing item)."""

    def garble(response_dict: dict[str, Any], **_: Any) -> None:
        response_dict["body"] = b'{"Item": {"pk": {"S": 1}}}'

    dynamodb_client.meta.events.register_first("before-parse.dynamodb.GetItem", garble)
    try:
        with pytest.raises(StoreUnavailableError, match="UnreadableAnswerError"):
            dynamo.get("p", "s")
    finally:
        dynamodb_client.meta.events.unregister("before-parse.dynamodb.GetItem", garble)


def test_a_turn_makes_three_requests(dynamo: DynamoDBDriver, dynamodb_client: Any) -> None:
    """query (the session with its window), transaction (commit), increment (usage): one
    request each, whatever the session's length."""
    sent: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        sent[model.name] += 1

    settings = Settings(store="sqlite:///unused", openai_api_key=None, openai_base_url=None)
    store = TenantStore(dynamo, "acme")
    store.configs.save("default", AgentSettings(model="offline", memory_window=4))
    executor = TurnExecutor(settings=settings)
    session_id = executor.chat(store, ChatMessage(reset=True)).session_id
    for n in range(4):
        executor.chat(store, ChatMessage(session_id=session_id, message=f"hello {n}"))
    dynamodb_client.meta.events.register("before-call.dynamodb", count)
    try:
        executor.chat(store, ChatMessage(session_id=session_id, message="and now?"))
    finally:
        dynamodb_client.meta.events.unregister("before-call.dynamodb", count)
    assert sent == {"Query": 1, "TransactWriteItems": 1, "UpdateItem": 1}
