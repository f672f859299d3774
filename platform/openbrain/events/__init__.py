"""Events: publishers (EventBridge, embedded dispatcher), the sweeper, delivery to routes,
and the per-tenant service over routes, the delivery log and dead letters."""

from openbrain.events.delivery import DeliveryOutcome, EventDeliverer, Target, TargetResult
from openbrain.events.dispatcher import LocalDispatcher
from openbrain.events.eventbridge import EventBridgePublisher
from openbrain.events.factory import ManagedPublisher, SynchronousPublisher, bus_publisher
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
    "ManagedPublisher",
    "RouteResolver",
    "SynchronousPublisher",
    "Target",
    "TargetResult",
    "TenantRoutes",
    "bus_publisher",
    "known_client_ids",
    "sweep",
)
