"""What an operator and the stage's callers do, step by step; the event-source mapping that
polls tenant queues is played by :class:`Poller`, with the event-target function's role."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.rehearsal.runbook import run_first_deploy
from tests.rehearsal.stage import Stage

REPO = Path(__file__).resolve().parents[2]
ADMIN = REPO / ".venv" / "bin" / "ob-admin"


def ob_admin(stage: Stage, *args: str, env: dict[str, str] | None = None) -> str:
    """``ob-admin`` as the operator runs it against the stage, with the variables
    docs/deploy.md's first deploy exports; ``env``: what the operator adds for this command."""
    exported = {"OB_STAGE": stage.name, "OB_STORE": f"dynamodb://openbrain-{stage.name}"}
    done = subprocess.run([str(ADMIN), *args],
                          env={**stage.operator_env, **exported, **(env or {})},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def api(stage: Stage, method: str, path: str, key: str, **kw: Any) -> httpx.Response:
    return httpx.request(method, stage.api.url + path, timeout=30,
                         headers={"Authorization": f"Bearer {key}"}, **kw)


def queue_url(stage: Stage, client_id: str, *, dlq: bool = False) -> str:
    suffix = "dlq" if dlq else "events"
    return stage.aws.queue_urls[f"openbrain-{stage.name}-{client_id}-{suffix}"]


class Poller:
    """Lambda's SQS event-source mapping: receive a batch, invoke the function, delete what
    it did not report in ``batchItemFailures``. Its calls are made with the function's role."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.sqs = boto3.client("sqs", endpoint_url=stage.recorders["event-target"].url,
                                region_name="us-east-1", aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        self.time = stage.aws.client("sqs")
        """Not the role: stands for time passing (a visibility timeout running out)."""
        for url in stage.aws.queue_urls.values():
            if url.endswith("-events"):  # the mapping checks its queue when it is created
                self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])

    def receive(self, url: str) -> list[dict[str, Any]]:
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       AttributeNames=["All"], WaitTimeSeconds=0)
        return list(got.get("Messages", []))

    def poll(self, client_id: str) -> dict[str, Any] | None:
        """One batch of the tenant's queue through the function; its answer (None: empty)."""
        url = queue_url(self.stage, client_id)
        messages = self.receive(url)
        if not messages:
            return None
        arn = f"arn:aws:sqs:us-east-1:123456789012:openbrain-{self.stage.name}-{client_id}-events"
        event = {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}), "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": arn,
            "awsRegion": "us-east-1",
        } for m in messages]}
        answer: dict[str, Any] = self.stage.hosts["event-target"].invoke(event)
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] in failed:
                self.time.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                    VisibilityTimeout=0)
            else:
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return answer


def first_deploy_steps(stage: Stage) -> None:
    """docs/deploy.md, "First deploy", after `pulumi up`, read from the document and run
    (runbook.py): the tenants and the first platform admin, then a first key per tenant."""
    out = run_first_deploy(stage.name, stage.outputs, stage.operator_env, stage.work)
    lines = out.splitlines()
    assert "synced 2 tenant(s): acme, demo" in lines
    (at,) = [i for i, line in enumerate(lines) if line.startswith("platform admin ")]
    email = lines[at].split()[2]
    assert lines[at].startswith(f"platform admin {email} created"), out
    password = lines[at + 1]
    tokens = [line for line in lines if line.startswith("ob_sk_")]
    stage.keys = {token.split("_")[2]: token for token in tokens}
    assert sorted(stage.keys) == ["acme", "demo"], out
    stage.secrets += [*stage.keys.values(), password]
    # The credential exists in the stage's pool: platform admin, no tenant, a password to change
    user = stage.aws.client("cognito-idp").admin_get_user(
        UserPoolId=stage.outputs["user_pool_id"], Username=email)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["custom:role"] == "platform-admin"
    assert "custom:clientId" not in attributes
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    stage.admin = (attributes["sub"], password)


def lead_during_bus_outage(stage: Stage) -> None:
    """A lead captured while the API cannot reach EventBridge: the turn commits anyway."""
    stage.outage_at = time.monotonic()
    stage.recorders["api"].unreachable.add("AWSEvents")
    try:
        answer = api(stage, "POST", "/v1/chat", stage.keys["demo"],
                     json={"message": "Hi, I am Sam Outage, sam@example.com, 555-0199"})
        assert answer.status_code == 200, answer.text
    finally:
        stage.recorders["api"].unreachable.clear()
    stage.secrets += ["sam@example.com", "555-0199"]
