"""What a Lambda container builds once and reuses across invocations: the table driver,
the routing plan from the packaged ``tenants/`` (``OB_TENANTS_DIR``), the deliverer and the
EventBridge publisher."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from openbrain.events.delivery import EventDeliverer
from openbrain.events.factory import RunningPublisher, make_deliverer, make_publisher
from openbrain.settings import get_settings
from openbrain.store import TableDriver, open_driver


@dataclass(frozen=True)
class LambdaRuntime:
    driver: TableDriver
    deliverer: EventDeliverer
    publisher: RunningPublisher


@lru_cache(maxsize=1)
def lambda_runtime() -> LambdaRuntime:
    settings = get_settings()
    driver = open_driver(settings)
    deliverer = make_deliverer(settings, driver)
    # No background threads in a Lambda: without a bus, the dispatcher is built unstarted.
    publisher = make_publisher(settings, driver, plan=deliverer.resolver.plan, start=False,
                               sweep_interval=None)
    return LambdaRuntime(driver=driver, deliverer=deliverer, publisher=publisher)
