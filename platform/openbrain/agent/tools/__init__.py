"""Agent tools: an explicit registry and the built-in tools."""

from openbrain.agent.tools.calculator import CALCULATOR
from openbrain.agent.tools.clock import CONVERT_TIMEZONE, GET_CURRENT_TIME
from openbrain.agent.tools.handoff import CONNECT_WITH_AGENT, SEND_TEST_EVENT
from openbrain.agent.tools.leads import CAPTURE_LEAD, UPDATE_LEAD
from openbrain.agent.tools.registry import (
    Tool,
    ToolArgs,
    ToolContext,
    ToolError,
    ToolRegistry,
    ToolResult,
)

BUILTIN_TOOLS: tuple[Tool, ...] = (
    CAPTURE_LEAD,
    UPDATE_LEAD,
    CONNECT_WITH_AGENT,
    GET_CURRENT_TIME,
    CONVERT_TIMEZONE,
    CALCULATOR,
    SEND_TEST_EVENT,
)
LEAD_TOOLS: tuple[str, ...] = ("capture_lead", "update_lead", "connect_with_agent")


def default_registry() -> ToolRegistry:
    """A fresh registry holding the built-in tools (a new object each call: nothing global)."""
    return ToolRegistry(BUILTIN_TOOLS)


__all__ = (
    "BUILTIN_TOOLS",
    "LEAD_TOOLS",
    "Tool",
    "ToolArgs",
    "ToolContext",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "default_registry",
)
