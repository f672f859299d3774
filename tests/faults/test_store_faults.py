"""The DynamoDB driver under injected faults: throttled single calls, cancelled
transactions, 500s and unprocessed batch items (through :class:`FaultProxy`)."""

from __future__ import annotations

import pytest

from openbrain.domain.errors import StoreBusyError
from openbrain.store.driver import ConditionFailedError, Item, MustNotExist, Put, VersionIs
from openbrain.store.dynamodb import DynamoDBDriver, RetryPolicy
from tests.faults.conftest import aws_client
from tests.faults.proxy import FaultProxy, Rule

pytestmark = pytest.mark.aws


def _item(sk: str, version: int = 1) -> Item:
    return Item(pk="T#acme#X", sk=sk, data=b'{"a":1}', version=version)


def test_throttled_single_calls_are_retried(
    dynamo: DynamoDBDriver, proxy: FaultProxy
) -> None:
    proxy.inject(Rule("dynamodb", "throttle", 0.3), Rule("dynamodb", "internal", 0.1))
    for i in range(30):
        dynamo.put(_item(f"I#{i:03d}"))
        assert dynamo.get("T#acme#X", f"I#{i:03d}") is not None
    assert len(dynamo.query("T#acme#X").items) == 30
    assert proxy.faulted("dynamodb", "PutItem") > 0
    assert proxy.faulted("dynamodb", "GetItem") > 0


def test_a_transaction_cancelled_for_throttling_is_retried(
    dynamo: DynamoDBDriver, proxy: FaultProxy
) -> None:
    proxy.inject(Rule("dynamodb", "throttle", 0.5, "TransactWriteItems"),
                 Rule("dynamodb", "in-progress", 0.2, "TransactWriteItems"))
    for i in range(20):
        dynamo.transact([Put(_item(f"T#{i:03d}#a"), MustNotExist()),
                         Put(_item(f"T#{i:03d}#b"), MustNotExist())])
    proxy.clear()
    assert len(dynamo.query("T#acme#X").items) == 40
    assert proxy.faulted("dynamodb", "TransactWriteItems") > 0


def test_throttling_past_the_retries_is_store_busy_and_writes_nothing(
    proxy: FaultProxy, dynamo: DynamoDBDriver
) -> None:
    quick = DynamoDBDriver(aws_client("dynamodb", proxy.url), dynamo.table_name,
                           retry=RetryPolicy(attempts=3, base=0.001, cap=0.002))
    proxy.inject(Rule("dynamodb", "throttle", 1.0, "TransactWriteItems"))
    with pytest.raises(StoreBusyError) as caught:
        quick.transact([Put(_item("T#1"), MustNotExist())])
    assert caught.value.status == 503
    assert caught.value.retry_after >= 1
    assert proxy.calls["dynamodb", "TransactWriteItems"] == 3
    proxy.clear()
    assert quick.get("T#acme#X", "T#1") is None


def test_a_real_conflict_is_never_retried(dynamo: DynamoDBDriver, proxy: FaultProxy) -> None:
    dynamo.put(_item("C#1", version=1))
    proxy.reset_counts()
    with pytest.raises(ConditionFailedError):
        dynamo.transact([Put(_item("C#1", version=3), VersionIs(2))])
    assert proxy.calls["dynamodb", "TransactWriteItems"] == 1


def test_unprocessed_batch_items_are_resent(dynamo: DynamoDBDriver, proxy: FaultProxy) -> None:
    proxy.inject(Rule("dynamodb", "unprocessed", 0.8, "BatchWriteItem"), seed=1)
    dynamo.put_many([_item(f"B#{i:03d}") for i in range(60)])
    proxy.clear()
    assert proxy.faulted("dynamodb", "BatchWriteItem") > 0, proxy.calls
    assert len(dynamo.query("T#acme#X", limit=100).items) == 60
