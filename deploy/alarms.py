"""The stage's CloudWatch alarms, each sending to the stage's alert topic (and back when it
clears). docs/deploy.md, "Reading alarms", says what each one means and what to do."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from openbrain.events.health import NAMESPACE, OPEN_DEAD_LETTERS, OUTBOX_BACKLOG

FUNCTION_PERIOD_SECONDS = 300
HEALTH_PERIOD_SECONDS = 600
"""The sweeper's metrics arrive once per sweep (every 1 to 5 minutes): any 10 minutes hold one."""


def alarm(
    name: str,
    *,
    alarm_name: str,
    description: str,
    namespace: str,
    metric: str,
    dimensions: Mapping[str, pulumi.Input[str]],
    statistic: str,
    period: int,
    threshold: float,
    topic: aws.sns.Topic,
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """An alarm when ``metric`` is above ``threshold`` for one ``period`` (missing data: fine)."""
    return aws.cloudwatch.MetricAlarm(
        name,
        name=alarm_name,
        alarm_description=description,
        namespace=namespace,
        metric_name=metric,
        dimensions=dict(dimensions),
        statistic=statistic,
        period=period,
        evaluation_periods=1,
        threshold=threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[topic.arn],
        ok_actions=[topic.arn],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def function_alarms(
    name: str, function_name: str, *, topic: aws.sns.Topic, parent: pulumi.Resource
) -> list[aws.cloudwatch.MetricAlarm]:
    """Errors (the function failed or timed out) and throttles (it could not run) of one
    function."""
    return [
        alarm(
            f"{name}-{metric.lower()}",
            alarm_name=f"{function_name}-{metric.lower()}",
            description=f"{function_name}: {what} (docs/deploy.md, 'Reading alarms').",
            namespace="AWS/Lambda",
            metric=metric,
            dimensions={"FunctionName": function_name},
            statistic="Sum",
            period=FUNCTION_PERIOD_SECONDS,
            threshold=0,
            topic=topic,
            parent=parent,
        )
        for metric, what in (
            ("Errors", "invocations failed or timed out"),
            ("Throttles", "invocations were throttled"),
        )
    ]


def tenant_health_alarms(
    name: str, *, stage: str, client_id: str, topic: aws.sns.Topic, parent: pulumi.Resource
) -> list[aws.cloudwatch.MetricAlarm]:
    """Open dead letters (a route gave up on an event, permanent failures included) and the
    outbox backlog (committed events still unpublished after a sweep), as the sweeper
    publishes them (:mod:`openbrain.events.health`)."""
    dims = {"Stage": stage, "ClientId": client_id}
    return [
        alarm(
            f"{name}-{metric}",
            alarm_name=f"openbrain-{stage}-{client_id}-{suffix}",
            description=f"Tenant {client_id}: {what} (docs/deploy.md, 'Reading alarms').",
            namespace=NAMESPACE,
            metric=metric,
            dimensions=dims,
            statistic="Maximum",
            period=HEALTH_PERIOD_SECONDS,
            threshold=0,
            topic=topic,
            parent=parent,
        )
        for metric, suffix, what in (
            (OPEN_DEAD_LETTERS, "dead-letters", "events a route gave up on wait for a redrive"),
            (OUTBOX_BACKLOG, "outbox-backlog", "committed events are not being published"),
        )
    ]
