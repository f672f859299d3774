"""AWS calls as IAM sees them, and a role's policy evaluated client-side (moto enforces none).

A recorded request (its ``X-Amz-Target`` and JSON body: every service a function calls speaks
AWS's JSON protocol) becomes the IAM requests AWS would authorize: action and resource ARN.
:func:`evaluate` applies a policy's statements as IAM does (an explicit Deny wins, then any
Allow; ``*`` and ``?`` wildcards in actions and resources; the condition operators the program
uses) and :func:`unused_grants` lists each allowed action-resource pair (under its statement's
condition) that no request needed.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"

_SERVICES = {
    "DynamoDB_20120810": "dynamodb",
    "AWSEvents": "events",
    "AmazonSQS": "sqs",
    "secretsmanager": "secretsmanager",
    "GraniteServiceVersion20100801": "cloudwatch",
}
# Parts of a transaction that IAM authorizes as the single-item action of each part.
_TRANSACT_PARTS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


@dataclass(frozen=True)
class IamRequest:
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)
    """Condition keys of the request (e.g. ``kms:ViaService``)."""


def _table_arn(body: Mapping[str, Any], table: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table or body['TableName']}"
    return f"{arn}/index/{body['IndexName']}" if body.get("IndexName") else arn


def _queue_arn(url: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{url.rstrip('/').rsplit('/', 1)[-1]}"


def _bus_arn(name: str) -> str:
    if name.startswith("arn:"):
        return name
    return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"


def iam_requests(target: str, body: Mapping[str, Any]) -> list[IamRequest]:
    """What IAM authorizes for one API request (``X-Amz-Target`` is ``Prefix.Operation``)."""
    prefix, operation = target.split(".", 1)
    service = _SERVICES[prefix]
    if service == "dynamodb":
        if operation == "TransactWriteItems" or operation == "TransactGetItems":
            found = []
            for item in body["TransactItems"]:
                ((part, spec),) = item.items()
                found.append(IamRequest(f"dynamodb:{_TRANSACT_PARTS[part]}",
                                        _table_arn(spec)))
            return found
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [IamRequest(f"dynamodb:{operation}", _table_arn(body, table))
                    for table in body["RequestItems"]]
        return [IamRequest(f"dynamodb:{operation}", _table_arn(body))]
    if service == "events":
        if operation != "PutEvents":
            raise AssertionError(f"unexpected EventBridge call {operation}")
        buses = {entry.get("EventBusName", "default") for entry in body["Entries"]}
        return [IamRequest("events:PutEvents", _bus_arn(bus)) for bus in sorted(buses)]
    if service == "sqs":
        return [IamRequest(f"sqs:{operation}", _queue_arn(body["QueueUrl"]))]
    if service == "cloudwatch":
        if operation != "PutMetricData":
            raise AssertionError(f"unexpected CloudWatch call {operation}")
        # No resource-level permissions: IAM authorizes "*" with the namespace as condition.
        return [IamRequest("cloudwatch:PutMetricData", "*",
                           {"cloudwatch:namespace": body["Namespace"]})]
    return [IamRequest(f"secretsmanager:{operation}", body["SecretId"])]


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _matches(patterns: Iterable[str], value: str, *, case: bool) -> bool:
    if case:
        return any(fnmatch.fnmatchcase(value, p) for p in patterns)
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


def _condition_holds(condition: Mapping[str, Mapping[str, Any]],
                     context: Mapping[str, str]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            value = context.get(key)
            if operator in ("StringEquals", "ArnEquals"):
                if value is None or value not in _listed(expected):
                    return False
            elif operator in ("StringLike", "ArnLike"):
                if value is None or not _matches(_listed(expected), value, case=True):
                    return False
            else:
                raise AssertionError(f"condition operator {operator} is not evaluated here")
    return True


def _applies(statement: Mapping[str, Any], request: IamRequest) -> bool:
    return (_matches(_listed(statement["Action"]), request.action, case=False)
            and _matches(_listed(statement["Resource"]), request.resource, case=True)
            and _condition_holds(statement.get("Condition", {}), request.context))


def evaluate(policy: Mapping[str, Any], request: IamRequest) -> bool:
    """Whether ``policy`` allows ``request`` (default deny; an explicit Deny wins)."""
    statements = policy["Statement"]
    if any(s["Effect"] == "Deny" and _applies(s, request) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _applies(s, request) for s in statements)


# Per-tenant queues are made from one template (deploy/events.py, TenantRouting) and granted by
# one statement: an action on one tenant's queue proves the same action on another tenant's queue
# that is itself in use (its ARN named exactly by some call).
_TENANT_QUEUE = re.compile(r"(:openbrain-[a-z0-9]+-)[a-z0-9-]+?(-events|-dlq)$")


def _template(resource: str) -> str:
    return _TENANT_QUEUE.sub(r"\1TENANT\2", resource)


def unused_grants(policy: Mapping[str, Any], requests: Iterable[IamRequest]) -> list[str]:
    """Every action-resource pair of every Allow statement (with the statement's condition)
    that no request needed. Resources are compared exactly, except that a tenant queue in use
    shares the actions used on the other tenants' queues (:data:`_TENANT_QUEUE`)."""
    seen = list(requests)
    touched = {r.resource for r in seen}
    templated = [IamRequest(r.action, _template(r.resource), r.context) for r in seen]
    unused = set()
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        condition = statement.get("Condition", {})
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                single = {"Action": action, "Resource": resource, "Condition": condition}
                if any(_applies(single, r) for r in seen):
                    continue
                shared = {**single, "Resource": _template(resource)}
                if (resource != shared["Resource"] and resource in touched
                        and any(_applies(shared, r) for r in templated)):
                    continue
                unused.add(f"{action} on {resource}")
    return sorted(unused)


def denied(policy: Mapping[str, Any], requests: Iterable[IamRequest]) -> list[str]:
    return sorted({f"{r.action} on {r.resource}" for r in requests if not evaluate(policy, r)})


def decode_body(raw: bytes) -> dict[str, Any]:
    return json.loads(raw or b"{}")  # type: ignore[no-any-return]
