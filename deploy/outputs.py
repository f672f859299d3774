"""What an operator needs from a stage, as stack outputs (`pulumi stack output --json`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from deploy.admin import Dashboard
from deploy.api import Api
from deploy.data import DataStore
from deploy.events import EventRouting
from deploy.functions import ServiceFunction
from deploy.identity import Identity
from deploy.service import ApiService


def _functions(functions: Sequence[ServiceFunction]) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.from_input({
        f.function_name: {"log_group": f.log_group.name} for f in functions
    })


def stage_outputs(
    *,
    api: Api | ApiService,
    dashboard: Dashboard,
    identity: Identity,
    events: EventRouting,
    data: DataStore,
) -> dict[str, pulumi.Input[Any]]:
    """Output name -> value. ``tenant_queues``: each tenant's queue and DLQ URL;
    ``functions``: each function's name and log group; with long-lived compute,
    ``api_service``: its cluster, service, log group and image repository."""
    functions = [events.consumer, events.sweeper]
    extra: dict[str, pulumi.Input[Any]] = {}
    if isinstance(api, ApiService):
        extra["api_service"] = pulumi.Output.from_input({
            "cluster": api.cluster.name, "service": api.service.name,
            "log_group": api.log_group.name, "repository": api.image.repository.repository_url,
        })
    else:
        functions.insert(0, api.service)
    return {
        "api_url": api.api_url,
        "widget_url": api.widget_url,
        "dashboard_url": dashboard.url,
        "cognito_domain": identity.hosted_ui_url,
        "table_name": data.table.name,
        "user_pool_id": identity.pool.id,
        "user_pool_client_id": identity.client.id,
        "dashboard_repository": dashboard.repository.repository_url,
        "bus_name": events.bus.name,
        "alerts_topic_arn": events.alerts.arn,
        "tenant_queues": pulumi.Output.from_input({
            t.routing.client_id: {"queue_url": t.queue.id, "dlq_url": t.dead_letter_queue.id}
            for t in events.tenants
        }),
        "functions": _functions(functions),
        **extra,
    }
