"""One controller per resource; ``CONTROLLERS`` is what the app mounts."""

from openbrain.api.controllers.auth import AuthController
from openbrain.api.controllers.chat import ChatController
from openbrain.api.controllers.configs import (
    ConfigsController,
    ModelsController,
    ToolsController,
)
from openbrain.api.controllers.demo import DemoController
from openbrain.api.controllers.events import EventsController
from openbrain.api.controllers.health import HealthController
from openbrain.api.controllers.inbox import InboxController
from openbrain.api.controllers.keys import KeysController
from openbrain.api.controllers.leads import LeadsController
from openbrain.api.controllers.sessions import SessionsController
from openbrain.api.controllers.tenants import TenantsController
from openbrain.api.controllers.usage import UsageController
from openbrain.api.controllers.widget import WidgetController

CONTROLLERS = [
    HealthController,
    ChatController,
    ConfigsController,
    ToolsController,
    ModelsController,
    SessionsController,
    InboxController,
    LeadsController,
    KeysController,
    UsageController,
    WidgetController,
    TenantsController,
    EventsController,
    AuthController,
    DemoController,
]

__all__ = ("CONTROLLERS",)
