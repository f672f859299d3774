"""The agent runtime: the turn executor, the model factory (OpenAI-compatible or offline) and
the tool registry.

Names are re-exported lazily: LangChain costs about a second to import, and commands that only
need a light part (the tool registry) should not pay for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openbrain.agent.executor import TurnExecutor
    from openbrain.agent.models import ModelChoice, ModelFactory
    from openbrain.agent.offline import OfflineChatModel
    from openbrain.agent.tools import Tool, ToolContext, ToolError, ToolRegistry, default_registry
    from openbrain.domain.agent_config import OFFLINE_MODEL

_HOMES = {
    "TurnExecutor": "executor",
    "ModelChoice": "models",
    "ModelFactory": "models",
    "OFFLINE_MODEL": "catalogue",
    "OfflineChatModel": "offline",
    "Tool": "tools",
    "ToolContext": "tools",
    "ToolError": "tools",
    "ToolRegistry": "tools",
    "default_registry": "tools",
}

__all__ = (
    "OFFLINE_MODEL",
    "ModelChoice",
    "ModelFactory",
    "OfflineChatModel",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolRegistry",
    "TurnExecutor",
    "default_registry",
)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'openbrain.agent' has no attribute {name!r}")
    return getattr(import_module(f"openbrain.agent.{home}"), name)
