"""Event routing of a stage: the bus, one :class:`TenantRouting` per tenant, and the workers.

Rules, queues and DLQs come from :func:`openbrain.tenancy.build_routing_plan`, the very function
the embedded dispatcher uses, so the cloud and local routing cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

from deploy.alarms import alarm, tenant_health_alarms
from deploy.data import INDEX_NAME, DataStore
from deploy.functions import ServiceFunction, runtime_environment
from deploy.iam import Statement, index_statement, kms_statement, table_statement
from deploy.packaging import LambdaArtifacts
from deploy.stage import StageConfig
from openbrain.events.health import NAMESPACE
from openbrain.tenancy import RoutingPlan
from openbrain.tenancy import TenantRouting as RoutingEntry

DLQ_RETENTION_SECONDS = 14 * 24 * 3600
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
BATCH_SIZE = 10
MAX_CONCURRENCY_PER_TENANT = 5
"""Per-tenant cap on concurrent batches, so one busy tenant cannot starve the others."""

# What each function's code calls, as the stage rehearsal (tests/rehearsal) records it. The
# consumer reads the tenant, its routes and secrets and records attempts on the table, and
# clears a dead route's state when an event moved back from the DLQ claims its dead letter;
# the sweeper lists pending events on the index and marks them published.
CONSUMER_TABLE_ACTIONS = ("DeleteItem", "GetItem", "PutItem", "Query")
SWEEPER_TABLE_ACTIONS = ("PutItem",)
# Lambda's event-source mapping polls with the consumer's role. With ReportBatchItemFailures
# it never changes a message's visibility: failed records reappear when it runs out.
CONSUMER_QUEUE_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")
# EventBridge retries a target it cannot reach for a day (its maximum), then sends the event
# to the target's DLQ: a tenant's own DLQ, where the SQS runbook's redrive delivers it.
TENANT_TARGET_RETRY = aws.cloudwatch.EventTargetRetryPolicyArgs(
    maximum_event_age_in_seconds=24 * 3600, maximum_retry_attempts=185
)
# A sweep that cannot start is worth little after the next one: retry it for one period.
SWEEP_TARGET_RETRY = aws.cloudwatch.EventTargetRetryPolicyArgs(
    maximum_event_age_in_seconds=300, maximum_retry_attempts=2
)


def _queue_policy(queue_arn: pulumi.Input[str], rule_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Only this rule may send to this queue (a tenant's queue or DLQ, the sweep's DLQ)."""

    def render(arns: list[Any]) -> str:
        queue, rule = arns
        statement = {
            "Sid": "FromTenantRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule}},
        }
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, sort_keys=True)

    return pulumi.Output.all(queue_arn, rule_arn).apply(render)


class TenantRouting(pulumi.ComponentResource):
    """One tenant: rule on ``detail.clientId`` -> queue (redrive to DLQ) -> consumer; DLQ alarm."""

    def __init__(
        self,
        name: str,
        *,
        routing: RoutingEntry,
        bus: aws.cloudwatch.EventBus,
        alerts: aws.sns.Topic,
        visibility_timeout: int,
        stage: str,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:TenantRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.routing = routing
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            name=routing.dead_letter_queue_name,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=routing.queue_name,
            visibility_timeout_seconds=visibility_timeout,
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            redrive_policy=self.dead_letter_queue.arn.apply(
                lambda arn: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": routing.max_receive_count}
                )
            ),
            opts=child,
        )
        # Operators redrive dead letters back into their own tenant's queue only.
        aws.sqs.RedriveAllowPolicy(
            f"{name}-redrive-allow",
            queue_url=self.dead_letter_queue.id,
            redrive_allow_policy=self.queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=child,
        )
        self.rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            name=routing.rule_name,
            event_bus_name=bus.name,
            event_pattern=json.dumps(routing.event_pattern, sort_keys=True),
            description=f"OpenBrain events of tenant {routing.client_id}",
            opts=child,
        )
        queue_policy = aws.sqs.QueuePolicy(
            f"{name}-queue-policy",
            queue_url=self.queue.id,
            policy=_queue_policy(self.queue.arn, self.rule.arn),
            opts=child,
        )
        dlq_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.id,
            policy=_queue_policy(self.dead_letter_queue.arn, self.rule.arn),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=self.rule.name,
            event_bus_name=bus.name,
            arn=self.queue.arn,
            dead_letter_config={"arn": self.dead_letter_queue.arn},
            retry_policy=TENANT_TARGET_RETRY,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[queue_policy, dlq_policy]),
        )
        self.alarm = alarm(
            f"{name}-dlq-alarm",
            alarm_name=f"{routing.dead_letter_queue_name}-not-empty",
            description=(
                f"Tenant {routing.client_id}: events the worker could not process "
                f"{routing.max_receive_count} times, or EventBridge could not queue, wait in its "
                "dead-letter queue (docs/deploy.md, 'Reading alarms')."
            ),
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": routing.dead_letter_queue_name},
            statistic="Maximum",
            period=60,
            threshold=0,
            topic=alerts,
            parent=self,
        )
        # A message waits at most this long while retried: older means no worker is keeping up.
        self.age_alarm = alarm(
            f"{name}-age-alarm",
            alarm_name=f"{routing.queue_name}-oldest-message",
            description=(
                f"Tenant {routing.client_id}: events wait longer than their retries take "
                "(docs/deploy.md, 'Reading alarms')."
            ),
            namespace="AWS/SQS",
            metric="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": routing.queue_name},
            statistic="Maximum",
            period=300,
            threshold=visibility_timeout * routing.max_receive_count,
            topic=alerts,
            parent=self,
        )
        self.health_alarms = tenant_health_alarms(
            f"{name}-health", stage=stage, client_id=routing.client_id, topic=alerts, parent=self
        )
        self.register_outputs({"queue_url": self.queue.id, "dlq_url": self.dead_letter_queue.id})

    def subscribe(self, consumer: ServiceFunction) -> aws.lambda_.EventSourceMapping:
        """The consumer reads this queue, reporting failed records one by one (partial batches)."""
        return aws.lambda_.EventSourceMapping(
            f"{self._name}-consumer",
            event_source_arn=self.queue.arn,
            function_name=consumer.function.arn,
            batch_size=BATCH_SIZE,
            maximum_batching_window_in_seconds=1,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": MAX_CONCURRENCY_PER_TENANT},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[consumer.role.policy]),
        )


class EventRouting(pulumi.ComponentResource):
    """The stage's bus, its alert topic, every tenant's routing, the consumer and the sweeper."""

    def __init__(
        self,
        name: str,
        *,
        config: StageConfig,
        plan: RoutingPlan,
        data: DataStore,
        artifacts: LambdaArtifacts,
        region: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:EventRouting", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.bus = aws.cloudwatch.EventBus(f"{name}-bus", name=plan.bus_name, opts=child)
        self.alerts = aws.sns.Topic(
            f"{name}-alerts", name=f"openbrain-{config.stage}-alerts", opts=child
        )
        aws.sns.TopicSubscription(
            f"{name}-alerts-email",
            topic=self.alerts.arn,
            protocol="email",
            endpoint=config.alarm_email,
            opts=child,
        )
        # SQS needs the visibility timeout to exceed the consumer's run time (AWS advises 6x).
        visibility = 6 * config.worker_timeout_seconds
        self.tenants = [
            TenantRouting(
                f"{name}-{entry.client_id}",
                routing=entry,
                bus=self.bus,
                alerts=self.alerts,
                visibility_timeout=visibility,
                stage=config.stage,
                opts=child,
            )
            for entry in plan.tenants
        ]
        env = runtime_environment(config, table_name=data.table.name, bus_name=self.bus.name)
        kms = kms_statement(data.key.arn, "dynamodb", region)
        consumer_statements = [table_statement(data.table.arn, CONSUMER_TABLE_ACTIONS), kms]
        if self.tenants:
            consumer_statements.append(
                Statement(
                    actions=CONSUMER_QUEUE_ACTIONS, resources=[t.queue.arn for t in self.tenants]
                )
            )
        self.consumer = ServiceFunction(
            "event-target",
            config=config,
            artifacts=artifacts,
            handler="ob_boot.handle_sqs",
            alerts=self.alerts,
            statements=consumer_statements,
            environment=env,
            secrets={},
            timeout=config.worker_timeout_seconds,
            opts=child,
        )
        self.mappings = [t.subscribe(self.consumer) for t in self.tenants]
        self.sweeper = ServiceFunction(
            "outbox-sweeper",
            config=config,
            artifacts=artifacts,
            handler="ob_boot.sweep",
            alerts=self.alerts,
            statements=[
                table_statement(data.table.arn, SWEEPER_TABLE_ACTIONS),
                index_statement(data.table.arn, INDEX_NAME),
                kms,
                Statement(actions=["events:PutEvents"], resources=[self.bus.arn]),
                # PutMetricData has no resources in IAM; the namespace is its condition key.
                Statement(
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    condition={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
                ),
            ],
            environment={**env, "OB_METRICS_NAMESPACE": NAMESPACE},
            secrets={},
            timeout=config.worker_timeout_seconds,
            opts=child,
        )
        # Scheduled rules only exist on the default bus; this one only triggers the sweeper.
        self.schedule = aws.cloudwatch.EventRule(
            f"{name}-sweep-schedule",
            name=f"openbrain-{config.stage}-outbox-sweep",
            schedule_expression=config.sweep_schedule,
            description="Republish outbox events that were committed but not published",
            opts=child,
        )
        self.sweep_dlq = aws.sqs.Queue(
            f"{name}-sweep-dlq",
            name=f"openbrain-{config.stage}-sweep-dlq",
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        sweep_dlq_policy = aws.sqs.QueuePolicy(
            f"{name}-sweep-dlq-policy",
            queue_url=self.sweep_dlq.id,
            policy=_queue_policy(self.sweep_dlq.arn, self.schedule.arn),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-sweep-target",
            rule=self.schedule.name,
            arn=self.sweeper.function.arn,
            dead_letter_config={"arn": self.sweep_dlq.arn},
            retry_policy=SWEEP_TARGET_RETRY,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[sweep_dlq_policy]),
        )
        alarm(
            f"{name}-sweep-dlq-alarm",
            alarm_name=f"openbrain-{config.stage}-sweep-dlq-not-empty",
            description="Scheduled sweeps could not be started (docs/deploy.md, 'Reading alarms').",
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": f"openbrain-{config.stage}-sweep-dlq"},
            statistic="Maximum",
            period=300,
            threshold=0,
            topic=self.alerts,
            parent=self,
        )
        aws.lambda_.Permission(
            f"{name}-sweep-permission",
            action="lambda:InvokeFunction",
            function=self.sweeper.function.name,
            principal="events.amazonaws.com",
            source_arn=self.schedule.arn,
            opts=child,
        )
        self.register_outputs({"bus_name": self.bus.name, "alerts_topic": self.alerts.arn})
