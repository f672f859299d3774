"""What handlers need, built once per app and injected (never module globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.datastructures import State

from openbrain.agent.inbox import Inbox
from openbrain.agent.tools import ToolRegistry
from openbrain.api.authn import Authenticator
from openbrain.api.limits import Limiter, TokenBudget
from openbrain.api.tenant_cache import TenantCache
from openbrain.auth.widget_tokens import WidgetTokens
from openbrain.events.delivery import EventDeliverer
from openbrain.events.factory import ManagedPublisher
from openbrain.events.routes import RouteResolver
from openbrain.settings import Settings
from openbrain.store import TableDriver

if TYPE_CHECKING:  # built on first use: LangChain is no part of the server's start
    from openbrain.agent.executor import TurnExecutor


@dataclass(frozen=True, kw_only=True)
class Services:
    settings: Settings
    driver: TableDriver
    tenants: TenantCache
    authenticator: Authenticator
    widget_tokens: WidgetTokens
    limiter: Limiter
    budget: TokenBudget
    executor_source: Callable[[], Any]
    """``Runtime.executor`` (built on first use). ``Any``: Litestar evaluates these annotations
    per request, and ``TurnExecutor`` is not imported at start-up."""
    publisher: ManagedPublisher
    tools: ToolRegistry
    inbox: Inbox
    route_resolver: Callable[[], RouteResolver]
    """The runtime's resolver over this stage's routing plan."""
    deliverer: Callable[[], EventDeliverer]
    """The runtime's deliverer (the dispatcher's targets): sends a route its test events."""

    @property
    def executor(self) -> TurnExecutor:
        executor: TurnExecutor = self.executor_source()
        return executor


STATE_KEY = "openbrain"


def services_of(state: State) -> Services:
    services: Services = state[STATE_KEY]
    return services
