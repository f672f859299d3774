"""Choose the publisher from settings: EventBridge when a bus is configured, otherwise the
embedded dispatcher (which needs no AWS at all)."""

from __future__ import annotations

from typing import Protocol

from openbrain.events.backoff import Backoff
from openbrain.events.delivery import EventDeliverer
from openbrain.events.dispatcher import LocalDispatcher
from openbrain.events.eventbridge import EventBridgePublisher
from openbrain.events.publisher import EventPublisher
from openbrain.events.routes import RouteResolver
from openbrain.settings import Settings
from openbrain.store.driver import TableDriver
from openbrain.tenancy import RoutingPlan, build_routing_plan, load_tenants


class RunningPublisher(EventPublisher, Protocol):
    """A publisher with a lifecycle: ``stop`` delivers what it can within ``timeout``."""

    def stop(self, timeout: float = 10.0) -> None: ...


def routing_plan(settings: Settings) -> RoutingPlan:
    """The routing plan of this stage, from the tenant specs in ``settings.tenants_dir``."""
    return build_routing_plan(load_tenants(settings.tenants_dir), stage=settings.stage)


def make_deliverer(
    settings: Settings, driver: TableDriver, plan: RoutingPlan | None = None
) -> EventDeliverer:
    """The deliverer with the ``event_targets`` targets (the code the Lambda runs)."""
    from event_targets.targets import default_targets

    resolver = RouteResolver(driver, plan or routing_plan(settings))
    return EventDeliverer(driver, resolver, default_targets(aws_mode=settings.aws_mode))


def make_publisher(
    settings: Settings,
    driver: TableDriver,
    *,
    plan: RoutingPlan | None = None,
    start: bool = True,
    backoff: Backoff | None = None,
    sweep_interval: float | None = 30.0,
) -> RunningPublisher:
    """EventBridge (``settings.event_bus_name``, endpoint ``settings.events_endpoint``) or,
    when no bus is set, a started :class:`LocalDispatcher` that sweeps every
    ``sweep_interval`` seconds. Call ``stop()`` when done."""
    if settings.event_bus_name:
        import boto3

        client = boto3.client(
            "events", region_name=settings.aws_region, endpoint_url=settings.events_endpoint
        )
        return EventBridgePublisher(client, settings.event_bus_name, driver)
    dispatcher = LocalDispatcher(
        driver,
        make_deliverer(settings, driver, plan),
        backoff=backoff or Backoff(base=1.0, cap=300.0),
        sweep_interval=sweep_interval,
    )
    return dispatcher.start() if start else dispatcher
