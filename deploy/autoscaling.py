"""Autoscaling of the API's service on CPU and on concurrent requests per task.

CPU alone would never scale a service whose turns mostly wait on the LLM (2 ms of CPU in a
3 s turn): a task full of waiting turns is idle. So a second target-tracking policy keeps the
in-flight requests per task near ``concurrency_target``, from the load balancer's own
metrics: ``ActiveConnectionCount`` counts each request's connection from the client and its
connection to a target, so half of it, divided by the healthy tasks, is the requests a task
holds (idle keep-alive client connections count too, which only scales out earlier).
Whichever policy asks for more tasks wins; scale-in waits five minutes.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from deploy.stage import ServiceConfig

SCALE_OUT_COOLDOWN = 60
SCALE_IN_COOLDOWN = 300


def concurrency_metrics(
    alb_suffix: pulumi.Input[str], target_group_suffix: pulumi.Input[str]
) -> list[dict[str, Any]]:
    """Metric math: requests in flight per healthy task."""

    def stat(metric: str, stat: str, dimensions: dict[str, pulumi.Input[str]]) -> dict[str, Any]:
        return {
            "metric": {
                "namespace": "AWS/ApplicationELB",
                "metric_name": metric,
                "dimensions": [{"name": k, "value": v} for k, v in dimensions.items()],
            },
            "stat": stat,
        }

    return [
        {
            "id": "active",
            "return_data": False,
            "metric_stat": stat("ActiveConnectionCount", "Sum", {"LoadBalancer": alb_suffix}),
        },
        {
            "id": "healthy",
            "return_data": False,
            "metric_stat": stat(
                "HealthyHostCount",
                "Average",
                {"LoadBalancer": alb_suffix, "TargetGroup": target_group_suffix},
            ),
        },
        {
            "id": "per_task",
            "label": "requests in flight per task",
            "return_data": True,
            "expression": "IF(healthy > 0, active / (2 * healthy), active / 2)",
        },
    ]


def autoscale(
    name: str,
    *,
    service: ServiceConfig,
    cluster: aws.ecs.Cluster,
    ecs_service: aws.ecs.Service,
    alb: aws.lb.LoadBalancer,
    target_group: aws.lb.TargetGroup,
    parent: pulumi.Resource,
) -> tuple[aws.appautoscaling.Policy, aws.appautoscaling.Policy]:
    """The service's scalable target and its two policies (CPU, concurrency)."""
    child = pulumi.ResourceOptions(parent=parent)
    target = aws.appautoscaling.Target(
        f"{name}-scaling",
        service_namespace="ecs",
        scalable_dimension="ecs:service:DesiredCount",
        resource_id=pulumi.Output.all(cluster.name, ecs_service.name).apply(
            lambda names: f"service/{names[0]}/{names[1]}"
        ),
        min_capacity=service.min_tasks,
        max_capacity=service.max_tasks,
        opts=child,
    )
    cpu = _policy(
        f"{name}-cpu",
        target,
        service.cpu_target,
        child,
        predefined_metric_specification={
            "predefined_metric_type": "ECSServiceAverageCPUUtilization"
        },
    )
    concurrency = _policy(
        f"{name}-concurrency",
        target,
        service.concurrency_target,
        child,
        customized_metric_specification={
            "metrics": concurrency_metrics(alb.arn_suffix, target_group.arn_suffix)
        },
    )
    return cpu, concurrency


def _policy(
    name: str,
    target: aws.appautoscaling.Target,
    value: int,
    opts: pulumi.ResourceOptions,
    **metric: Any,
) -> aws.appautoscaling.Policy:
    """A target-tracking policy keeping ``metric`` (predefined or customized) at ``value``."""
    return aws.appautoscaling.Policy(
        name,
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=(
            aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=float(value),
                scale_in_cooldown=SCALE_IN_COOLDOWN,
                scale_out_cooldown=SCALE_OUT_COOLDOWN,
                **metric,
            )
        ),
        opts=opts,
    )
