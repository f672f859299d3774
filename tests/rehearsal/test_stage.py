"""The stage rehearsal: the Pulumi program's stage in moto, driven as operators and callers
drive it, with every AWS call of every function checked against that function's role."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.events.support import Receiver
from tests.rehearsal.conftest import Stage
from tests.rehearsal.flow import Poller, api, ob_admin, queue_url
from tests.rehearsal.iam_check import IamRequest, denied, unused_grants

pytestmark = [pytest.mark.rehearsal, pytest.mark.aws, pytest.mark.timeout(600)]
SWEEPER_MIN_AGE = 60.0  # event_targets.sweeper.MIN_AGE_SECONDS
ROLES = {"api": "api-role", "event-target": "event-target-role",
         "outbox-sweeper": "outbox-sweeper-role"}


def _chat(stage: Stage, key: str, message: str, session: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if session:
        body["sessionId"] = session
    answer = api(stage, "POST", "/v1/chat", key, json=body)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def _poll_until(poller: Poller, client_id: str, *, attempts: int = 20) -> dict[str, Any]:
    for _ in range(attempts):
        answer = poller.poll(client_id)
        if answer is not None:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"nothing arrived in {client_id}'s queue")


def test_a_deployed_stage_works_end_to_end(stage: Stage) -> None:
    # GIVEN a stage just after `pulumi up`: the operator's one command onboards tenants/
    assert "synced 2 tenant(s): acme, demo" in ob_admin(stage, "tenants", "sync")
    demo = ob_admin(stage, "keys", "create", "--tenant", "demo", "--name", "first").split()[-1]
    acme = ob_admin(stage, "keys", "create", "--tenant", "acme", "--name", "first").split()[-1]
    assert demo.startswith("ob_sk_demo_")
    assert acme.startswith("ob_sk_acme_")

    # A webhook route through the API, to a receiver the test runs
    receiver = Receiver()
    receiver.start()
    try:
        created = api(stage, "POST", "/v1/routes", demo,
                      json={"routeId": "crm", "url": receiver.url,
                            "eventTypes": ["lead.created", "lead.updated"]})
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]

        # WHEN the bus is unreachable, a lead is still committed (its event stays pending)
        outage = time.monotonic()
        stage.recorders["api"].unreachable.add("AWSEvents")
        _chat(stage, demo, "Hi, I am Sam Outage, sam@example.com, 555-0199")
        stage.recorders["api"].unreachable.clear()

        poller = Poller(stage)
        first = _chat(stage, demo, "Hi, I am Jane Doe, jane@example.com, 555-0100")

        # THEN the event reaches demo's queue only, and the handler delivers it, signed
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.receive(queue_url(stage, "acme")) == []
        (call,) = receiver.calls
        payload = Webhook(secret).verify(call.body, call.headers)
        assert payload["detail-type"] == "lead.created"

        # A receiver that keeps failing: partial batch failures, then the tenant's DLQ
        receiver.status = 503
        _chat(stage, demo, "My e-mail is jane.doe@example.com", session=first["sessionId"])
        failures = 0
        while (answer := poller.poll("demo")) is not None:
            assert len(answer["batchItemFailures"]) == 1
            failures += 1
        assert failures == 5  # the demo plan's maxDeliveryAttempts
        dlq = stage.aws.client("sqs").receive_message(
            QueueUrl=queue_url(stage, "demo", dlq=True), MaxNumberOfMessages=10)
        assert len(dlq.get("Messages", [])) == 1

        # The documented redrive (docs/deploy.md): through the API, then the DLQ purged
        receiver.status = 200
        before = len(receiver.calls)
        redriven = api(stage, "POST", "/v1/dead-letters/redrive", demo)
        assert redriven.status_code == 200, redriven.text
        stage.aws.client("sqs").purge_queue(QueueUrl=queue_url(stage, "demo", dlq=True))
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.poll("demo") is None
        assert len(receiver.calls) == before + 1, "delivered exactly once more"
        assert receiver.calls[-1].headers["webhook-id"] == receiver.calls[-2].headers[
            "webhook-id"], "the event that failed"

        # The sweeper publishes what the outage left pending (once it is a minute old)
        time.sleep(max(0.0, SWEEPER_MIN_AGE + 1 - (time.monotonic() - outage)))
        swept = stage.hosts["outbox-sweeper"].invoke({"source": "aws.events"})
        assert swept == {"published": 1}
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert b"sam@example.com" in receiver.calls[-1].body
        assert poller.receive(queue_url(stage, "acme")) == []
    finally:
        receiver.stop()


def _implied(stage: Stage, function: str, requests: list[IamRequest]) -> list[IamRequest]:
    """Calls AWS makes for the function with its role, which no proxy sees: Lambda writes its
    output to its log group, and DynamoDB uses the table's customer key for its callers."""
    implied = []
    log_group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/openbrain-" \
                f"{stage.name}-{function}"
    if stage.logs[function].stat().st_size:
        stream = f"{log_group}:log-stream:rehearsal"
        implied += [IamRequest("logs:CreateLogStream", stream),
                    IamRequest("logs:PutLogEvents", stream)]
    if any(r.action.startswith("dynamodb:") for r in requests):
        via = {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}
        key = "arn:aws:kms:us-east-1:123456789012:key/data-key"
        implied += [IamRequest(f"kms:{a}", key, via)
                    for a in ("Decrypt", "DescribeKey", "Encrypt", "GenerateDataKey")]
    return implied


def test_every_call_is_allowed_and_every_grant_is_used(stage: Stage) -> None:
    problems = {}
    for function, role in ROLES.items():
        calls = stage.recorders[function].requests
        assert calls, f"{function} made no AWS call"
        every = calls + _implied(stage, function, calls)
        policy = stage.policies[role]
        problems[role] = {"denied": denied(policy, every),
                          "unused": unused_grants(policy, every)}
    failing = {role: p for role, p in problems.items() if p["denied"] or p["unused"]}
    assert not failing, json.dumps(failing, indent=1)
