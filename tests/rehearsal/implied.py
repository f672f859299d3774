"""The calls AWS makes with a function's role that no recording proxy sees, derived from what the
program registered (never assumed from the grants, which would make every grant "used").

- **CloudWatch Logs.** Lambda writes what the function prints to the log group named in its
  ``loggingConfig``, with the function's role: ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on a stream of that group (the group exists: the program creates it, so
  no ``logs:CreateLogGroup``). Only when the function printed anything.
- **X-Ray.** With ``tracingConfig.mode = Active`` Lambda sends segments with the role
  (``xray:PutTraceSegments``, ``xray:PutTelemetryRecords``, which take no resource: ``*``).
- **KMS under DynamoDB.** A table encrypted with a customer managed key: DynamoDB decrypts the
  table key with the key (``kms:Decrypt``, through ``dynamodb.<region>.amazonaws.com``) for each
  principal that reads or writes the table, and caches it per principal; creating the table
  key (``GenerateDataKey``), checking the key (``DescribeKey``) and the grants are done when the
  table is created or its key changed, by whoever runs ``pulumi up``, never by a function.
- **KMS under Secrets Manager.** A secret with ``kmsKeyId`` (a customer managed key) is read
  with ``kms:Decrypt`` on that key through ``secretsmanager``; without it the secret is under
  the AWS managed key ``aws/secretsmanager``, whose key policy lets every principal of the
  account use it through Secrets Manager, so the role needs (and gets) no KMS grant.
- **KMS under SQS.** A queue with ``kmsMasterKeyId`` needs ``kms:Decrypt`` to receive; SSE-SQS
  (``sqsManagedSseEnabled``, what the program uses) needs no KMS permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.deploy_mocks import Registered
from tests.rehearsal.iam_check import IamRequest

REGION = "us-east-1"
FUNCTION = "aws:lambda/function:Function"


@dataclass(frozen=True)
class _Keys:
    tables: dict[str, str]
    """Table ARN -> its customer key ARN."""
    secrets: dict[str, str]
    """Secret ARN -> its customer key ARN."""
    queues: dict[str, str]
    """Queue ARN -> its customer key ARN."""


def _keys(registered: list[Registered], resolve: dict[str, str]) -> _Keys:
    def of(typ: str, field: str) -> dict[str, str]:
        found = {}
        for r in registered:
            if r.type != typ:
                continue
            key = r.inputs.get(field)
            if isinstance(key, dict):  # serverSideEncryption: {enabled, kmsKeyArn}
                key = key.get("kmsKeyArn") if key.get("enabled") else None
            if key:
                arn = str(r.state["arn"])
                found[resolve.get(arn, arn)] = str(key)
        return found

    return _Keys(tables=of("aws:dynamodb/table:Table", "serverSideEncryption"),
                 secrets=of("aws:secretsmanager/secret:Secret", "kmsKeyId"),
                 queues=of("aws:sqs/queue:Queue", "kmsMasterKeyId"))


def function_role(registered: list[Registered], function_name: str) -> str:
    """The role (resource name, as its policy names it) a function runs with."""
    (function,) = [r for r in registered
                   if r.type == FUNCTION and r.inputs["name"] == function_name]
    return str(function.inputs["role"]).rsplit("/", 1)[-1]


def implied_requests(registered: list[Registered], function_name: str, log: Path,
                     requests: Iterable[IamRequest],
                     resolve: dict[str, str]) -> list[IamRequest]:
    """What AWS authorizes with ``function_name``'s role beyond the ``requests`` its code made
    (``resolve``: mock ARN -> the ARN the requests carry, where they differ)."""
    (function,) = [r for r in registered
                   if r.type == FUNCTION and r.inputs["name"] == function_name]
    implied: list[IamRequest] = []
    group_name = function.inputs.get("loggingConfig", {}).get(
        "logGroup", f"/aws/lambda/{function_name}")
    if log.stat().st_size:
        (group,) = [r for r in registered if r.type == "aws:cloudwatch/logGroup:LogGroup"
                    and r.inputs["name"] == group_name]
        stream = f"{group.state['arn']}:log-stream:rehearsal"
        implied += [IamRequest("logs:CreateLogStream", stream),
                    IamRequest("logs:PutLogEvents", stream)]
    if function.inputs.get("tracingConfig", {}).get("mode") == "Active":
        implied += [IamRequest("xray:PutTraceSegments", "*"),
                    IamRequest("xray:PutTelemetryRecords", "*")]
    keys = _keys(registered, resolve)
    for request in requests:
        service = request.action.split(":", 1)[0]
        if service == "dynamodb":
            table = request.resource.split("/index/", 1)[0]
            key = keys.tables.get(table)
        elif service == "secretsmanager":
            key = keys.secrets.get(request.resource)
        elif request.action == "sqs:ReceiveMessage":
            key = keys.queues.get(request.resource)
        else:
            key = None
        if key:
            via = {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}
            implied.append(IamRequest("kms:Decrypt", key, via))
    unique = {(r.action, r.resource, tuple(sorted(r.context.items()))): r for r in implied}
    return [unique[k] for k in sorted(unique)]
