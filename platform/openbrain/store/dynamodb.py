"""The production driver: one DynamoDB table (``pk``/``sk``) with one GSI (``gsi1``).

Attributes of an item: ``pk``, ``sk``, ``data`` (binary, omitted when empty), ``version``,
``gsi1pk``/``gsi1sk`` (only on items listed in the index: the GSI is sparse), ``expiresAt``
(the TTL attribute, epoch seconds) and one numeric attribute per counter, ``c_<name>``, so
:meth:`DynamoDBDriver.increment` is a single ``UpdateItem ... ADD``. Requests are built here
as wire-form attribute values; successful answers are decoded by
:mod:`~openbrain.store.dynamodb_wire` (msgspec, not botocore's shape walk).

Throttling of single calls is retried by botocore (the retry mode chosen in
``docs/performance.md``); a transaction cancelled for throttling, which botocore never
retries, is retried here under the same ``ClientRequestToken``. Throttling that outlasts the
retries is a :class:`StoreBusyError` (503); every other failure becomes a domain error
(conditions → :class:`ConditionFailedError`, refused values → :class:`InvalidError`, an
unreachable or missing table → :class:`StoreUnavailableError`).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, overload

import boto3
import msgspec
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from openbrain.domain.errors import InvalidError, StoreBusyError, UpstreamError
from openbrain.store import dynamodb_wire as wire
from openbrain.store.capacity import CapacityMeter
from openbrain.store.driver import (
    Check,
    Condition,
    ConditionFailedError,
    Delete,
    Item,
    MustExist,
    MustNotExist,
    Page,
    Put,
    TableDriver,
    VersionIs,
    WriteOp,
    check_capped,
    check_counters,
    check_cursor,
    check_item,
    check_key,
    check_limit,
    check_range,
    check_transaction,
    encode_cursor,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

    from openbrain.settings import Settings

INDEX_NAME = "gsi1"
TTL_ATTRIBUTE = wire.TTL_ATTRIBUTE
COUNTER_PREFIX = wire.COUNTER_PREFIX
BATCH_WRITE_ITEMS = 25  # BatchWriteItem's cap

A = TypeVar("A", bound=wire.Answer)
Attrs = dict[str, Any]  # a DynamoDB item in wire form: {"name": {"S": ...}}

# Cancellation reasons and error codes that mean "not now", never "not this": the same
# request can succeed a moment later.
_BUSY_REASONS = frozenset({"ThrottlingError", "TransactionInProgress"})
_BUSY_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
    "LimitExceededException",
})


class StoreUnavailableError(UpstreamError):
    """The table could not be reached or refused the request for a reason other than input."""


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How a call the table refused as busy is retried: up to ``attempts`` sends with
    full-jitter exponential backoff (``base * 2**n`` capped at ``cap`` seconds). Chosen by
    ``bench/faults.py``; see docs/performance.md."""

    attempts: int = 8
    base: float = 0.025
    cap: float = 1.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap, self.base * 2**attempt))


def client_config() -> Config:
    """No botocore retries (the driver retries busy calls itself, see :meth:`_call`), bounded
    waits, and no client-side parameter validation: every request is built by this driver
    (DynamoDB still validates it), and validating each one cost a large share of its CPU."""
    return Config(
        parameter_validation=False,
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=3,
        read_timeout=10,
        max_pool_connections=50,
        tcp_keepalive=True,
    )


class DynamoDBDriver(TableDriver):
    """Thread-safe (boto3 clients are). Reads of the table are strongly consistent; reads of
    the GSI are eventually consistent, as DynamoDB offers nothing else on an index."""

    def __init__(self, client: DynamoDBClient, table_name: str, *,
                 retry: RetryPolicy | None = None, meter: CapacityMeter | None = None) -> None:
        self._client = client
        self._table = table_name
        self._retry = retry or RetryPolicy()
        self._meter = meter
        # Answers to this driver's calls are decoded by msgspec (see dynamodb_wire); once
        # per client, however many drivers share it.
        client.meta.events.register("before-parse.dynamodb", wire.before_parse,
                                    unique_id=wire.HANDLER_ID)

    @classmethod
    def from_settings(cls, settings: Settings, *, table_name: str | None = None,
                      meter: CapacityMeter | None = None) -> DynamoDBDriver:
        """A driver for ``table_name`` (default ``settings.table_name``) at
        ``settings.dynamodb_endpoint`` (unset: AWS itself) in ``settings.aws_region``; with
        ``meter``, every call asks for and records the capacity it consumed."""
        client = boto3.client(
            "dynamodb",
            region_name=settings.aws_region,
            endpoint_url=settings.dynamodb_endpoint,
            config=client_config(),
        )
        return cls(client, table_name or settings.table_name, meter=meter)

    @property
    def table_name(self) -> str:
        return self._table

    # -- schema ---------------------------------------------------------------------------

    def setup(self) -> None:
        """Create the table (on-demand billing, GSI, TTL) unless it exists; wait until active."""
        with self._errors():
            if not self._table_exists():
                try:
                    self._client.create_table(
                        TableName=self._table,
                        BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[
                            {"AttributeName": name, "AttributeType": "S"}
                            for name in ("pk", "sk", "gsi1pk", "gsi1sk")
                        ],
                        KeySchema=[
                            {"AttributeName": "pk", "KeyType": "HASH"},
                            {"AttributeName": "sk", "KeyType": "RANGE"},
                        ],
                        GlobalSecondaryIndexes=[
                            {
                                "IndexName": INDEX_NAME,
                                "KeySchema": [
                                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                                ],
                                "Projection": {"ProjectionType": "ALL"},
                            }
                        ],
                    )
                except ClientError as exc:
                    if _code(exc) != "ResourceInUseException":  # created concurrently: fine
                        raise
            self._client.get_waiter("table_exists").wait(
                TableName=self._table, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
            )
            ttl = self._client.describe_time_to_live(TableName=self._table)
            status = ttl.get("TimeToLiveDescription", {}).get("TimeToLiveStatus")
            if status not in ("ENABLED", "ENABLING"):
                self._client.update_time_to_live(
                    TableName=self._table,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
                )

    def drop(self) -> None:
        """Delete the table (tests and benchmarks only)."""
        with self._errors():
            self._client.delete_table(TableName=self._table)

    def _table_exists(self) -> bool:
        try:
            self._client.describe_table(TableName=self._table)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return False
            raise
        return True

    # -- reads ----------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        check_key(pk, sk)
        answer = self._call(self._client.get_item, wire.GetItemAnswer, TableName=self._table,
                            Key=_key(pk, sk), ConsistentRead=True)
        return wire.to_item(answer.Item) if answer.Item else None

    def query(
        self,
        pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        check_limit(limit)
        params: Attrs = {
            "TableName": self._table,
            "ConsistentRead": True,
            "ScanIndexForward": not newest_first,
        }
        params.update(_key_condition("pk", pk, "sk", prefix))
        if cursor:
            after = check_cursor(cursor, partition=pk, prefix=prefix, index=False)
            params["ExclusiveStartKey"] = _key(after.pk, after.sk)
        return self._page(params, limit, index=False)

    def query_index(
        self,
        gsi1pk: str,
        prefix: str = "",
        *,
        newest_first: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        check_limit(limit)
        params: Attrs = {
            "TableName": self._table,
            "IndexName": INDEX_NAME,
            "ScanIndexForward": not newest_first,
        }
        params.update(_key_condition("gsi1pk", gsi1pk, "gsi1sk", prefix))
        if cursor:
            after = check_cursor(cursor, partition=gsi1pk, prefix=prefix, index=True)
            params["ExclusiveStartKey"] = _key(after.pk, after.sk) | {
                "gsi1pk": {"S": gsi1pk},
                "gsi1sk": {"S": after.gsi1sk or ""},
            }
        return self._page(params, limit, index=True)

    def query_range(self, pk: str, low: str, high: str, *, newest_first: bool = False,
                    limit: int = 100) -> list[Item]:
        check_limit(limit)
        check_range(low, high)
        params: Attrs = {
            "TableName": self._table,
            "ConsistentRead": True,
            "ScanIndexForward": not newest_first,
            "KeyConditionExpression": _RANGE_CONDITION,
            "ExpressionAttributeNames": _RANGE_NAMES,
            "ExpressionAttributeValues": {":h": {"S": pk}, ":low": {"S": low},
                                          ":high": {"S": high}},
        }
        return [wire.to_item(a) for a in self._read(params, limit)]

    def _page(self, params: Attrs, limit: int, *, index: bool) -> Page:
        """Read ``limit + 1`` items: the extra one tells whether a next page exists, so the
        last page has no cursor."""
        found = self._read(params, limit + 1)
        items = [wire.to_item(a) for a in found[:limit]]
        more = len(found) > limit
        return Page(items, encode_cursor(items[-1], index=index) if more else None)

    def _read(self, params: Attrs, want: int) -> list[wire.Attrs]:
        """Up to ``want`` items of the query ``params``, following DynamoDB's own 1 MB pages,
        which may end before the limit."""
        found: list[wire.Attrs] = []
        params["Limit"] = want
        while True:
            answer = self._call(self._client.query, wire.QueryAnswer, **params)
            found.extend(answer.Items)
            last = answer.LastEvaluatedKey
            if len(found) >= want or not last:
                return found[:want]
            params["ExclusiveStartKey"] = wire.key_attrs(last)
            params["Limit"] = want - len(found)

    # -- writes ---------------------------------------------------------------------------

    def put(self, item: Item, condition: Condition | None = None) -> None:
        check_item(item)
        params: Attrs = {"TableName": self._table, "Item": _to_attrs(item)}
        params.update(_condition(condition))
        self._call(self._client.put_item, wire.Answer, **params)

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        check_key(pk, sk)
        params: Attrs = {"TableName": self._table, "Key": _key(pk, sk)}
        params.update(_condition(condition))
        self._call(self._client.delete_item, wire.Answer, **params)

    def transact(self, ops: Sequence[WriteOp]) -> None:
        """A cancellation for throttling (or a transaction in progress) is retried with
        backoff under the same ``ClientRequestToken`` (:func:`transaction_token`).

        Raises:
            ConditionFailedError: a condition failed (a real conflict: never retried).
            StoreBusyError: still throttled after the last attempt; nothing was written.
        """
        check_transaction(ops)
        if not ops:
            return
        items = [self._transact_item(op) for op in ops]
        self._call(self._client.transact_write_items, wire.Answer, TransactItems=items,
                   ClientRequestToken=transaction_token(items))

    def _transact_item(self, op: WriteOp) -> TransactWriteItemTypeDef:
        if isinstance(op, Put):
            put: Attrs = {"TableName": self._table, "Item": _to_attrs(op.item)}
            put.update(_condition(op.condition))
            return {"Put": put}  # type: ignore[typeddict-item]
        if isinstance(op, Delete):
            delete: Attrs = {"TableName": self._table, "Key": _key(op.pk, op.sk)}
            delete.update(_condition(op.condition))
            return {"Delete": delete}  # type: ignore[typeddict-item]
        assert isinstance(op, Check)
        check: Attrs = {"TableName": self._table, "Key": _key(op.pk, op.sk)}
        check.update(_condition(op.condition))
        return {"ConditionCheck": check}  # type: ignore[typeddict-item]

    def put_many(self, items: Sequence[Item]) -> None:
        """``BatchWriteItem`` in groups of 25, resending what DynamoDB left unprocessed."""
        for item in items:
            check_item(item)
        if len({(i.pk, i.sk) for i in items}) != len(items):
            raise InvalidError("a bulk load may write each item only once")
        for start in range(0, len(items), BATCH_WRITE_ITEMS):
            batch = items[start : start + BATCH_WRITE_ITEMS]
            pending: Attrs = {self._table: [{"PutRequest": {"Item": _to_attrs(i)}} for i in batch]}
            for attempt in range(10):
                # botocore's own parse: unprocessed items go back as they came
                response = self._call(self._client.batch_write_item, None, RequestItems=pending)
                pending = dict(response.get("UnprocessedItems") or {})
                if not pending:
                    break
                time.sleep(min(0.05 * 2**attempt, 2.0))  # unprocessed = throttled: back off
            else:
                raise StoreBusyError("DynamoDB kept throttling a bulk load; retry later")

    def increment(self, pk: str, sk: str, counters: dict[str, int]) -> dict[str, int]:
        check_key(pk, sk)
        check_counters(counters)
        names = {"#version": "version"}
        values: Attrs = {":zero": {"N": "0"}}
        adds = []
        for i, (name, amount) in enumerate(counters.items()):
            names[f"#c{i}"] = COUNTER_PREFIX + name
            values[f":c{i}"] = {"N": str(int(amount))}
            adds.append(f"#c{i} :c{i}")
        # ``version`` is set to 0 on a new item so it matches the SQLite driver exactly.
        expression = "SET #version = if_not_exists(#version, :zero)"
        if adds:
            expression += " ADD " + ", ".join(adds)
        answer = self._call(
            self._client.update_item,
            wire.UpdateItemAnswer,
            TableName=self._table,
            Key=_key(pk, sk),
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return wire.counters(answer.Attributes or {})

    def add_capped(
        self, pk: str, sk: str, name: str, amount: int, *, at_most: int, expires_at: int
    ) -> int | None:
        """One ``UpdateItem ... ADD`` with a condition on the counter's current value."""
        check_capped(pk, sk, name, amount)
        if at_most < 0:
            return None
        try:
            answer = self._call(
                self._client.update_item,
                wire.UpdateItemAnswer,
                TableName=self._table,
                Key=_key(pk, sk),
                UpdateExpression="SET #version = if_not_exists(#version, :zero), "
                                 "#ttl = :ttl ADD #c :amount",
                ConditionExpression="attribute_not_exists(#c) OR #c <= :at_most",
                ExpressionAttributeNames={"#version": "version", "#ttl": TTL_ATTRIBUTE,
                                          "#c": COUNTER_PREFIX + name},
                ExpressionAttributeValues={
                    ":zero": {"N": "0"}, ":ttl": {"N": str(expires_at)},
                    ":amount": {"N": str(amount)}, ":at_most": {"N": str(at_most)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ConditionFailedError:
            return None
        assert answer.Attributes is not None  # UPDATED_NEW: the counter just added to
        return int(answer.Attributes[COUNTER_PREFIX + name].N or 0)

    # -- errors ---------------------------------------------------------------------------

    @overload
    def _call(self, operation: Callable[..., Any], answer: type[A], **params: Any) -> A: ...

    @overload
    def _call(self, operation: Callable[..., Any], answer: None,
              **params: Any) -> dict[str, Any]: ...

    def _call(self, operation: Callable[..., Any], answer: type[A] | None,
              **params: Any) -> A | dict[str, Any]:
        """One call, retried while the table is busy (throttled, a transaction cancelled for
        throttling, a 500) under :class:`RetryPolicy`. botocore's own retries are off: its
        standard backoff waits up to 1 s * 2**n on throttling, and its adaptive mode slows
        every call of the process (figures in docs/performance.md).

        The successful answer is decoded as ``answer`` (see :mod:`dynamodb_wire`); with
        ``None``, it is botocore's parsed response. With a meter, the capacity the endpoint
        reports consuming is recorded under the operation's name.

        Raises:
            StoreBusyError: still busy after the last attempt; nothing was written.
        """
        if self._meter is not None:
            params["ReturnConsumedCapacity"] = "INDEXES"
        for attempt in range(self._retry.attempts):
            try:
                with self._errors():
                    if answer is None:
                        response = operation(**params)
                    else:
                        with wire.decoding(answer):
                            response = operation(**params)
                result = response if answer is None else wire.decoded(response, answer)
                if self._meter is not None:
                    consumed = (response.get("ConsumedCapacity") if answer is None
                                else wire.decoded(response, answer).ConsumedCapacity)
                    self._meter.report(getattr(operation, "__name__", "call"),
                                       _consumed(consumed))
                return result
            except StoreBusyError:
                if attempt + 1 == self._retry.attempts:
                    raise
                time.sleep(self._retry.delay(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Map boto errors to domain errors (:meth:`_call` retries the busy ones)."""
        try:
            yield
        except ClientError as exc:
            raise _map_error(exc, self._table) from exc
        except NoCredentialsError as exc:
            raise StoreUnavailableError("no AWS credentials are configured for DynamoDB") from exc
        except BotoCoreError as exc:
            raise StoreUnavailableError(
                f"the DynamoDB table {self._table!r} could not be reached ({type(exc).__name__})"
            ) from exc


def transaction_token(items: Sequence[TransactWriteItemTypeDef]) -> str:
    """The ``ClientRequestToken`` of a transaction: a digest of the transaction itself, so
    every re-send of the same commit (this driver's retries, a caller's) carries the same
    token, and DynamoDB applies it at most once; a different transaction never shares one."""
    digest = hashlib.sha256(msgspec.json.encode(items)).hexdigest()
    return digest[:36]  # the token's cap


def _map_error(exc: ClientError, table: str) -> Exception:
    code = _code(exc)
    message = exc.response.get("Error", {}).get("Message", "")
    if code == "ConditionalCheckFailedException":
        return ConditionFailedError("the record changed since it was read; retry")
    if code == "TransactionCanceledException":
        reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
        if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
            return ConditionFailedError("the record changed since it was read; retry")
        if "ValidationError" in reasons:
            return InvalidError(f"the store refused the transaction: {message}")
        if _BUSY_REASONS.intersection(map(str, reasons)):
            return StoreBusyError("the table is throttling writes; retry in a moment")
        listed = ", ".join(map(str, reasons))
        return StoreUnavailableError(f"the transaction was cancelled ({listed})")
    if code == "TransactionConflictException":
        return ConditionFailedError("the record is being changed by another request; retry")
    if code == "ValidationException":
        return InvalidError(f"the store refused the request: {message}")
    if code in ("ResourceNotFoundException", "TableNotFoundException"):
        return StoreUnavailableError(f"the DynamoDB table {table!r} does not exist (run setup)")
    if code in _BUSY_CODES:
        return StoreBusyError(f"the table is busy ({code}); retry in a moment")
    return StoreUnavailableError(f"DynamoDB failed: {code}")


def _consumed(found: object) -> float:
    """Capacity units a response reports (a dict for one table, a list for batches)."""
    rows = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    return float(sum(row.get("CapacityUnits", 0.0) for row in rows))


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# -- conversions --------------------------------------------------------------------------


def _key(pk: str, sk: str) -> Attrs:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


_RANGE_CONDITION = "#h = :h AND #r BETWEEN :low AND :high"
_RANGE_NAMES = {"#h": "pk", "#r": "sk"}


def _key_condition(hash_name: str, hash_value: str, range_name: str, prefix: str) -> Attrs:
    expression = "#h = :h"
    names = {"#h": hash_name}
    values: Attrs = {":h": {"S": hash_value}}
    if prefix:
        expression += " AND begins_with(#r, :r)"
        names["#r"] = range_name
        values[":r"] = {"S": prefix}
    return {
        "KeyConditionExpression": expression,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _condition(condition: Condition | None) -> Attrs:
    if condition is None:
        return {}
    if isinstance(condition, MustNotExist):
        return {"ConditionExpression": "attribute_not_exists(pk)"}
    if isinstance(condition, MustExist):
        return {"ConditionExpression": "attribute_exists(pk)"}
    assert isinstance(condition, VersionIs)
    return {
        "ConditionExpression": "attribute_exists(pk) AND #version = :expected",
        "ExpressionAttributeNames": {"#version": "version"},
        "ExpressionAttributeValues": {":expected": {"N": str(condition.version)}},
    }


def _to_attrs(item: Item) -> Attrs:
    attrs: Attrs = _key(item.pk, item.sk)
    attrs["version"] = {"N": str(item.version)}
    if item.data:
        attrs["data"] = {"B": item.data}
    if item.gsi1pk is not None and item.gsi1sk is not None:
        attrs["gsi1pk"] = {"S": item.gsi1pk}
        attrs["gsi1sk"] = {"S": item.gsi1sk}
    if item.expires_at is not None:
        attrs[TTL_ATTRIBUTE] = {"N": str(item.expires_at)}
    for name, value in item.counters.items():
        attrs[COUNTER_PREFIX + name] = {"N": str(int(value))}
    return attrs
