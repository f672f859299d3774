"""Events: publishers (EventBridge, embedded dispatcher), the sweeper, delivery to routes,
and the per-tenant service over routes, the delivery log and dead letters."""

from openbrain.events.delivery import DeliveryOutcome, EventDeliverer, Target, TargetResult
from openbrain.events.dispatcher import LocalDispatcher
from openbrain.events.eventbridge import EventBridgePublisher
from openbrain.events.factory import (
    RunningPublisher,
    make_deliverer,
    make_publisher,
    routing_plan,
)
from openbrain.events.publisher import EventPublisher
from openbrain.events.routes import RouteResolver, TenantRoutes, known_client_ids
from openbrain.events.service import EventsService
from openbrain.events.sweeper import sweep

__all__ = (
    "DeliveryOutcome",
    "EventBridgePublisher",
    "EventDeliverer",
    "EventPublisher",
    "EventsService",
    "LocalDispatcher",
    "RouteResolver",
    "RunningPublisher",
    "Target",
    "TargetResult",
    "TenantRoutes",
    "known_client_ids",
    "make_deliverer",
    "make_publisher",
    "routing_plan",
    "sweep",
)
