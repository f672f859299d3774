"""Helpers for the memory tests: a compactor run by the test, and a conversation driver."""

from __future__ import annotations

from collections.abc import Sequence

from openbrain.agent.compaction import Compactor
from openbrain.agent.executor import TurnExecutor
from openbrain.agent.models import ModelFactory
from openbrain.domain import ChatMessage, ChatReply, ChatSession, MemorySummary
from openbrain.settings import Settings
from openbrain.store import TenantStore


class ManualCompactor(Compactor):
    """Queues what the executor schedules and runs it when the test says (no thread)."""

    def __init__(self, models: ModelFactory) -> None:
        super().__init__(models)
        self.queued: list[tuple[TenantStore, ChatSession]] = []

    def schedule(self, store: TenantStore, session: ChatSession,
                 summary: MemorySummary | None) -> bool:
        if not self.due(store, session, summary):
            return False
        # one job per session, as the background worker keeps it (the latest state here)
        self.queued = [q for q in self.queued if q[1].session_id != session.session_id]
        self.queued.append((store, session))
        return True

    def run(self) -> list[MemorySummary]:
        """Every queued compaction, step after step, as the background worker would."""
        made: list[MemorySummary] = []
        queued, self.queued = self.queued, []
        for store, session in queued:
            while (summary := self.compact(store, session)) is not None:
                made.append(summary)
        return made


def manual_executor(settings: Settings) -> tuple[TurnExecutor, ManualCompactor]:
    models = ModelFactory(settings)
    compactor = ManualCompactor(models)
    return TurnExecutor(settings=settings, models=models, compactor=compactor), compactor


def converse(executor: TurnExecutor, store: TenantStore, texts: Sequence[str],
             session_id: str | None = None, *, compactor: ManualCompactor | None = None,
             ) -> list[ChatReply]:
    """One turn per text (the first starts a session unless ``session_id`` is given), the
    compactions each turn queues run before the next turn."""
    replies: list[ChatReply] = []
    for text in texts:
        request = (ChatMessage(message=text, session_id=session_id) if session_id
                   else ChatMessage(message=text, reset=True))
        reply = executor.chat(store, request)
        session_id = reply.session_id
        replies.append(reply)
        if compactor is not None:
            compactor.run()
    return replies
