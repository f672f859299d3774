"""What an operator sees of a tenant's undelivered events, and the SQS runbook's move: the dead
letters (the API), the DLQ (SQS) and the metrics the alarms watch (CloudWatch)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.rehearsal.flow import api, queue_url
from tests.rehearsal.stage import Stage


def open_dead_letters(stage: Stage, client_id: str) -> list[dict[str, Any]]:
    answer = api(stage, "GET", "/v1/dead-letters", stage.keys[client_id])
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def dlq_depth(stage: Stage, client_id: str) -> int:
    """The messages waiting in the tenant's DLQ: the queue attribute behind the metric its alarm
    watches (``ApproximateNumberOfMessagesVisible``)."""
    attributes = stage.aws.client("sqs").get_queue_attributes(
        QueueUrl=queue_url(stage, client_id, dlq=True),
        AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def alarm_metric(stage: Stage, alarm_name: str) -> float | None:
    """The latest value of the metric the named alarm watches (``None``: no data). CloudWatch
    matches dimensions as a set, moto as a list: both sides list them sorted by name."""
    cloudwatch = stage.aws.client("cloudwatch")
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    now = datetime.now(UTC)
    points = cloudwatch.get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {
            "Metric": {"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"],
                       "Dimensions": sorted(alarm["Dimensions"], key=lambda d: d["Name"])},
            "Period": 1, "Stat": "Maximum"}}],
        StartTime=now - timedelta(minutes=30), EndTime=now + timedelta(minutes=1),
        ScanBy="TimestampDescending")["MetricDataResults"][0]
    return float(points["Values"][0]) if points["Values"] else None


def sweep(stage: Stage) -> None:
    """The sweeper's scheduled run: it publishes the metrics the alarms watch."""
    stage.hosts["outbox-sweeper"].invoke({"source": "aws.events"})


def runbook_move(stage: Stage, client_id: str) -> int:
    """docs/deploy.md, "Redriving", by hand (what ``start-message-move-task`` does): every
    message of the tenant's DLQ sent back to its queue, then deleted from the DLQ."""
    sqs, moved = stage.aws.client("sqs"), 0
    dlq, queue = queue_url(stage, client_id, dlq=True), queue_url(stage, client_id)
    while messages := sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10,
                                          MessageAttributeNames=["All"]).get("Messages", []):
        for m in messages:
            sqs.send_message(QueueUrl=queue, MessageBody=m["Body"],
                             MessageAttributes=m.get("MessageAttributes", {}))
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"])
            moved += 1
    return moved
