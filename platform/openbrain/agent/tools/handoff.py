"""``connect_with_agent`` (hand-off to a human) and ``send_test_event`` (routing check)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from openbrain.agent.tools.events import make_event
from openbrain.agent.tools.registry import Tool, ToolArgs, ToolContext, ToolResult
from openbrain.domain.base import new_id

Reason = Annotated[str, msgspec.Meta(max_length=500)]


class HandoffArgs(ToolArgs, kw_only=True):
    """Why the person needs a human."""

    reason: Reason | None = None


class TestEventArgs(ToolArgs, kw_only=True):
    """A short note to carry in the test event."""

    note: Reason | None = None


UNAVAILABLE = ("No one from the team is available right now. Tell the person so plainly, "
               "without promising that someone will join, and ask for their name and an "
               "e-mail or phone number (save them with update_lead) so the team can get back "
               "to them; meanwhile keep helping as well as you can.")


def connect_with_agent(args: HandoffArgs, ctx: ToolContext) -> ToolResult:
    if not ctx.humans_available:  # outside business hours, or no operators at all
        return ToolResult(output=UNAVAILABLE)
    obj = {"reason": args.reason, "leadId": ctx.lead.lead_id if ctx.lead else None}
    event = make_event(
        ctx, "handoff.requested", object_type="session", object_id=ctx.session_id, obj=obj
    )
    return ToolResult(
        output="A human agent has been notified and will join this conversation shortly.",
        events=(event,),
    )


def send_test_event(args: TestEventArgs, ctx: ToolContext) -> ToolResult:
    test_id = new_id()
    event = make_event(
        ctx, "test.event", object_type="test", object_id=test_id, obj={"note": args.note}
    )
    return ToolResult(output=f"Test event {event.event_id} sent.", events=(event,))


CONNECT_WITH_AGENT = Tool(
    name="connect_with_agent",
    description="Hand the conversation over to a human agent when the person asks for one.",
    args=HandoffArgs,
    run=connect_with_agent,
)
SEND_TEST_EVENT = Tool(
    name="send_test_event",
    description="Send a test event through the tenant's event routes (to check the wiring).",
    args=TestEventArgs,
    run=send_test_event,
)
