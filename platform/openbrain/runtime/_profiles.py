"""What an entry point asks of the runtime (:class:`Profile` and the presets), and the parts a
caller may hand in (:class:`Parts`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from openbrain.agent.tools import ToolRegistry
from openbrain.events.factory import ManagedPublisher
from openbrain.store import TableDriver

if TYPE_CHECKING:
    from openbrain.agent.executor import TurnExecutor


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What an entry point asks of the runtime beyond building its parts."""

    create_table: bool = False
    """Create the table when it is missing, as the driver is opened (servers); never on a
    deployed stage, whose table the Pulumi program owns."""
    sync_tenants: bool = False
    """Write the tenant specs into the table at build, each with a default profile."""
    sweep_interval: float | None = None
    """Seconds between the embedded dispatcher's outbox sweeps; ``None``: no sweeper."""
    console_logs: bool = False
    """Readable, errors-only log lines for people instead of the configured format."""


SERVICE = Profile(create_table=True, sweep_interval=30.0)
"""The deployed API (uvicorn's factory)."""
EMBEDDED = replace(SERVICE, sync_tenants=True)
"""``ob serve`` (and ``ob-tuner``'s API): the specs are synced into the table at start."""
LOCAL_CHAT = Profile(sync_tenants=True, sweep_interval=30.0, console_logs=True)
"""``ob`` and ``ob-chat`` on the embedded store."""
ADMIN = Profile(console_logs=True)
"""``ob-admin`` and ``ob-tuner``'s sign-in link: a redrive delivers before the command exits."""
LAMBDA = Profile()
"""The event-target and sweeper functions: no background threads in a Lambda."""


@dataclass(frozen=True, kw_only=True)
class Parts:
    """Parts built elsewhere; the runtime uses them and leaves their lifecycle to the caller."""

    driver: TableDriver | None = None
    publisher: ManagedPublisher | None = None
    tools: ToolRegistry | None = None
    executor: TurnExecutor | None = None
    """Its tools are the runtime's tools unless ``tools`` is given too."""
