"""``ob-chat``: an interactive session with streamed answers and a few slash commands."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from openbrain.cli.app import App
from openbrain.cli.common import (
    ApiKeyOption,
    ApiUrlOption,
    TenantOption,
    fail,
    open_backend,
)
from openbrain.cli.version import VersionOption
from openbrain.domain import ChatMessage, ChatReply, OpenBrainError

if TYPE_CHECKING:
    from openbrain.cli.backends import ChatBackend  # the remote one imports httpx

HELP = (
    "/reset  start over   /profile NAME  switch profile (starts over)   "
    "/lead  show the captured lead   /memory  show what the agent remembers   /quit  leave"
)

app = App(add_completion=False, help=__doc__)


class ChatLoop:
    """The conversation state the slash commands act on."""

    def __init__(self, backend: ChatBackend, console: Console, profile: str | None) -> None:
        self.backend = backend
        self.console = console
        self.profile = profile
        self.last: ChatReply | None = None

    def start(self) -> None:
        self._turn(ChatMessage(agent_config=self.profile, reset=True, channel="cli"))

    def say(self, text: str) -> None:
        if self.last is None:
            self._turn(ChatMessage(message=text, agent_config=self.profile, reset=True,
                                   channel="cli"))
        else:
            self._turn(ChatMessage(message=text, session_id=self.last.session_id))

    def show_lead(self) -> None:
        lead_ref = self.last.lead if self.last else None
        if lead_ref is None:
            self.console.print("no lead captured in this session yet", style="dim")
            return
        lead = self.backend.lead(lead_ref.lead_id)
        fields = {
            "name": lead.full_name,
            "e-mail": lead.email,
            "phone": lead.phone,
            "status": lead.status,
        }
        for name, value in fields.items():
            if value:
                self.console.print(f"  {name}: {value}")

    def show_memory(self) -> None:
        """The memory policy and the summary in force (the window is the recent messages)."""
        if self.last is None:
            self.console.print("no session yet", style="dim")
            return
        memory = self.backend.memory(self.last.session_id)
        self.console.print(f"  policy: {memory.policy}, window: {memory.memory_window} "
                           f"messages, session: {memory.message_count} messages", style="dim")
        if memory.summary is None:
            note = ("no summary yet" if memory.policy == "summary"
                    else "older messages are not summarised (policy window)")
            self.console.print(f"  {note}", style="dim")
            return
        summary = memory.summary
        self.console.print(f"  summary of messages 1 to {summary.through_seq + 1} "
                           f"({summary.model}):", style="dim")
        self.console.out(summary.text, highlight=False)

    def _turn(self, request: ChatMessage) -> None:
        self.console.print("agent> ", style="bold cyan", end="")
        streamed: list[str] = []

        def on_token(text: str) -> None:
            streamed.append(text)
            self.console.out(text, end="", highlight=False)

        try:
            reply = self.backend.chat(request, on_token=on_token)
        except BaseException:
            self.console.out("")
            raise
        if not streamed:
            self.console.out(reply.message, end="", highlight=False)
        self.console.out("")
        if reply.control != "agent" and not reply.message:
            self.console.print(_HELD.get(reply.control, reply.control), style="dim")
        if reply.notice:
            self.console.print(reply.notice, style="dim", highlight=False)
        self.last = reply


_HELD = {
    "waiting": "(kept for a person: this conversation waits for a team member; "
               "`ob-admin inbox` answers it)",
    "human": "(kept for the team member who has this conversation)",
}


def _handle(loop: ChatLoop, line: str) -> bool:
    """Run one input line; False means quit."""
    command, _, argument = line.partition(" ")
    if command in ("/quit", "/exit"):
        return False
    if command == "/help":
        loop.console.print(HELP, style="dim")
    elif command == "/reset":
        loop.start()
    elif command == "/profile":
        if not argument.strip():
            loop.console.print(f"profile: {loop.profile or 'default'}", style="dim")
        else:
            previous, loop.profile = loop.profile, argument.strip()
            try:
                loop.start()
            except OpenBrainError:
                loop.profile = previous  # a profile that cannot start is not kept
                raise
    elif command == "/lead":
        loop.show_lead()
    elif command == "/memory":
        loop.show_memory()
    elif command.startswith("/"):
        loop.console.print(f"unknown command {command}; {HELP}", style="yellow")
    else:
        loop.say(line)
    return True


@app.command()
def chat(
    profile: str | None = typer.Option(None, "--profile", "-p", help="Agent profile name."),
    api_url: str | None = ApiUrlOption,
    api_key: str | None = ApiKeyOption,
    tenant: str = TenantOption,
    _version: bool = VersionOption,
) -> None:
    """Chat with an agent. Type /help for commands."""
    console = Console(highlight=False)
    try:
        backend = open_backend(api_url, api_key, tenant)
    except OpenBrainError as exc:
        raise fail(exc.detail) from None
    loop = ChatLoop(backend, console, profile)
    try:
        console.print(HELP, style="dim")
        try:
            loop.start()
        except OpenBrainError as exc:
            raise fail(exc.detail) from None
        while True:
            try:
                line = console.input("[bold green]you> [/]").strip()
            except EOFError:
                break
            if not line:
                continue
            try:
                if not _handle(loop, line):
                    break
            except OpenBrainError as exc:
                console.print(f"error: {exc.detail}", style="bold red")
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    finally:
        backend.close()


def main() -> None:
    app(prog_name="ob-chat")
