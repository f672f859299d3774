"""The rehearsal's policy checks catch what they are there for: a call the role does not allow,
a grant no call needs (exact ARNs, conditions included), and the calls AWS makes with a role
derived from the program's resources rather than from the grants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.deploy.deploy_mocks import Registered
from tests.rehearsal.iam_check import IamRequest, denied, evaluate, unused_grants
from tests.rehearsal.implied import implied_requests

ACCOUNT = "arn:aws:sqs:us-east-1:123456789012"
KEY = "arn:aws:kms:us-east-1:123456789012:key/data-key"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/openbrain-dev"
VIA_DYNAMODB = {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **s} for s in statements]}


QUEUES = _policy({"Action": ["sqs:DeleteMessage", "sqs:ReceiveMessage"],
                  "Resource": [f"{ACCOUNT}:openbrain-dev-acme-events",
                               f"{ACCOUNT}:openbrain-dev-demo-events"]})


def test_a_call_outside_the_policy_is_denied() -> None:
    other = IamRequest("sqs:ReceiveMessage", f"{ACCOUNT}:openbrain-dev-newco-events")
    assert not evaluate(QUEUES, other)
    assert denied(QUEUES, [other]) == [f"sqs:ReceiveMessage on {other.resource}"]


def test_a_tenant_queues_grant_is_used_only_if_that_queue_is_in_use() -> None:
    demo = [IamRequest(a, f"{ACCOUNT}:openbrain-dev-demo-events")
            for a in ("sqs:DeleteMessage", "sqs:ReceiveMessage")]
    assert unused_grants(QUEUES, demo) == [
        f"{a} on {ACCOUNT}:openbrain-dev-acme-events"
        for a in ("sqs:DeleteMessage", "sqs:ReceiveMessage")]
    # acme's queue polled: the action used on demo's queue (same template) counts for it too
    polled = [*demo, IamRequest("sqs:ReceiveMessage", f"{ACCOUNT}:openbrain-dev-acme-events")]
    assert unused_grants(QUEUES, polled) == []
    only_receive = [IamRequest("sqs:ReceiveMessage", f"{ACCOUNT}:openbrain-dev-{t}-events")
                    for t in ("acme", "demo")]
    assert unused_grants(QUEUES, only_receive) == [
        f"sqs:DeleteMessage on {ACCOUNT}:openbrain-dev-{t}-events" for t in ("acme", "demo")]


def test_a_conditional_grant_is_used_only_by_calls_that_meet_its_condition() -> None:
    policy = _policy({"Action": ["kms:Decrypt"], "Resource": [KEY],
                      "Condition": {"StringEquals": VIA_DYNAMODB}})
    direct = IamRequest("kms:Decrypt", KEY)
    assert denied(policy, [direct]) == [f"kms:Decrypt on {KEY}"]
    assert unused_grants(policy, [direct]) == [f"kms:Decrypt on {KEY}"]
    assert unused_grants(policy, [IamRequest("kms:Decrypt", KEY, VIA_DYNAMODB)]) == []


def _registered(tmp: Path, *, secret_key: str | None, tracing: bool) -> list[Registered]:
    function = {"name": "openbrain-dev-api", "role": "arn:aws:iam::123456789012:role/api-role",
                "loggingConfig": {"logGroup": "/aws/lambda/openbrain-dev-api"}}
    if tracing:
        function["tracingConfig"] = {"mode": "Active"}
    secret = {"name": "openbrain/dev/jwt-secret", **({"kmsKeyId": secret_key} if secret_key
                                                      else {})}
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/openbrain-dev-api"
    return [
        Registered("aws:lambda/function:Function", "api-function", function, True),
        Registered("aws:cloudwatch/logGroup:LogGroup", "api-logs",
                   {"name": "/aws/lambda/openbrain-dev-api"}, True, state={"arn": group}),
        Registered("aws:dynamodb/table:Table", "data-table",
                   {"serverSideEncryption": {"enabled": True, "kmsKeyArn": KEY}}, True,
                   state={"arn": TABLE}),
        Registered("aws:secretsmanager/secret:Secret", "jwt", secret, True,
                   state={"arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt"}),
    ]


def test_implied_calls_follow_the_programs_resources(tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    log.write_text("{}\n", encoding="utf-8")
    calls = [IamRequest("dynamodb:Query", f"{TABLE}/index/gsi1"),
             IamRequest("secretsmanager:GetSecretValue", "moto-secret-arn")]
    resolve = {"arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt": "moto-secret-arn"}

    plain = implied_requests(_registered(tmp_path, secret_key=None, tracing=False),
                             "openbrain-dev-api", log, calls, resolve)
    assert [(r.action, r.resource, dict(r.context)) for r in plain] == [
        ("kms:Decrypt", KEY, VIA_DYNAMODB),  # the table's customer key, through DynamoDB
        ("logs:CreateLogStream", "arn:aws:logs:us-east-1:123456789012:log-group:"
                                 "/aws/lambda/openbrain-dev-api:log-stream:rehearsal", {}),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:123456789012:log-group:"
                              "/aws/lambda/openbrain-dev-api:log-stream:rehearsal", {}),
    ]  # no KMS for the secret: the AWS managed key aws/secretsmanager

    cmk = "arn:aws:kms:us-east-1:123456789012:key/secrets-key"
    other = implied_requests(_registered(tmp_path, secret_key=cmk, tracing=True),
                             "openbrain-dev-api", log, calls, resolve)
    actions = {(r.action, r.resource) for r in other}
    assert ("kms:Decrypt", cmk) in actions
    assert {("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")} <= actions

    log.write_text("", encoding="utf-8")
    silent = implied_requests(_registered(tmp_path, secret_key=None, tracing=False),
                              "openbrain-dev-api", log, calls, resolve)
    assert not [r for r in silent if r.action.startswith("logs:")]
